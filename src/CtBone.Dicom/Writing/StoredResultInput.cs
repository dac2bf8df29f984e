using System.Globalization;
using System.Text.Json;
using CtBone.Core;
using CtBone.Core.Analysis;

namespace CtBone.Dicom.Writing;

/// <summary>
/// A <see cref="PacsResultInput"/> as JSON, without pixel data: the findings, each referenced image's identity and plane,
/// and the patient and study attributes as the source file had them (raw bytes with their VR, so a name in another
/// character set comes back unchanged). A revision after a review is written from it, when the study's files are long
/// gone. PHI: it holds the patient's attributes, so it is stored like the results themselves and never logged.
/// </summary>
public static class StoredResultInput
{
    public static string ToJson(PacsResultInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return JsonSerializer.Serialize(
            new Stored(input.Findings, [.. input.MidSlices.Values.Select(StoredImage.From)], StoredImage.From(input.PatientSource), input.SeriesInstances, input.CreatedAt),
            CtBoneJson.Options);
    }

    /// <exception cref="JsonException">The text is not a stored result input.</exception>
    public static PacsResultInput FromJson(string json)
    {
        var stored = JsonSerializer.Deserialize<Stored>(json, CtBoneJson.Options) ?? throw new JsonException("the stored result input is empty");
        var midSlices = stored.MidSlices.Select(s => s.ToSourceImage()).ToDictionary(s => s.SopInstanceUid, StringComparer.Ordinal);
        return new PacsResultInput
        {
            Findings = stored.Findings,
            MidSlices = midSlices,
            PatientSource = stored.PatientSource.ToSourceImage(),
            SeriesInstances = stored.SeriesInstances,
            CreatedAt = stored.CreatedAt,
        };
    }

    private sealed record Stored(Findings Findings, IReadOnlyList<StoredImage> MidSlices, StoredImage PatientSource, IReadOnlyList<string> SeriesInstances, DateTimeOffset CreatedAt);

    /// <summary>An attribute as "GGGGEEEE", the VR's name and the value's bytes.</summary>
    private sealed record StoredAttribute(string Tag, string Vr, byte[] Value);

    private sealed record StoredImage(
        string SopClassUid, string SopInstanceUid, string SeriesInstanceUid, string StudyInstanceUid, string? FrameOfReferenceUid, int Rows, int Columns, ImagePlane? Plane,
        IReadOnlyList<StoredAttribute> PatientAndStudy)
    {
        public static StoredImage From(SourceImage image) => new(
            image.SopClassUid, image.SopInstanceUid, image.SeriesInstanceUid, image.StudyInstanceUid, image.FrameOfReferenceUid, image.Rows, image.Columns, image.Plane,
            [.. image.PatientAndStudy.Select(a => new StoredAttribute(FormattableString.Invariant($"{a.Tag.Group:X4}{a.Tag.Element:X4}"), a.Vr.ToString(), a.Value ?? []))]);

        public SourceImage ToSourceImage() => new()
        {
            SopClassUid = SopClassUid,
            SopInstanceUid = SopInstanceUid,
            SeriesInstanceUid = SeriesInstanceUid,
            StudyInstanceUid = StudyInstanceUid,
            FrameOfReferenceUid = FrameOfReferenceUid,
            Rows = Rows,
            Columns = Columns,
            Plane = Plane,
            PatientAndStudy = [.. PatientAndStudy.Select(a => new DicomAttribute(
                (ushort.Parse(a.Tag.AsSpan(0, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture), ushort.Parse(a.Tag.AsSpan(4, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture)),
                Enum.TryParse<gdcm.VR.VRType>(a.Vr, out var vr) ? vr : throw new JsonException($"'{a.Vr}' is not a VR"),
                a.Value,
                null))],
        };
    }
}
