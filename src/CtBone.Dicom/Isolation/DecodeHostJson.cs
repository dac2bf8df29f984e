using System.Text.Json;
using System.Text.Json.Serialization;
using CtBone.Core.Series;

namespace CtBone.Dicom.Isolation;

/// <summary>
/// The JSON between the parent and the decode host, generated at compile time: with reflection, a fresh host and its
/// parent spent about 0.2 s compiling serializers on every first load (bench/README.md). The options are those of
/// <c>CtBoneJson.Options</c>, but for enums, written by name as they are declared: only these two sides read them.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(DecodeRequest))]
[JsonSerializable(typeof(StudyLoadResult))]
internal sealed partial class DecodeHostJson : JsonSerializerContext;
