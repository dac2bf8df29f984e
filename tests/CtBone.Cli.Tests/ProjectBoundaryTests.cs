using System.Reflection;

namespace CtBone.Cli.Tests;

/// <summary>
/// The dependency rule (shared/STYLE.md): Core is pure C# and references no package; each library stays behind the one
/// adapter that wraps it (GDCM in CtBone.Dicom, SkiaSharp in CtBone.Imaging, Firely's FHIR SDK in CtBone.Fhir).
/// </summary>
public sealed class ProjectBoundaryTests
{
    private static List<string> References(string assembly) =>
        Assembly.Load(assembly).GetReferencedAssemblies().Select(a => a.Name!).ToList();

    [Fact]
    public void Core_WhenLoaded_ReferencesOnlyTheRuntime()
    {
        var references = References("CtBone.Core");

        Assert.All(references, name => Assert.True(name.StartsWith("System", StringComparison.Ordinal) || name == "netstandard", $"CtBone.Core references {name}"));
    }

    [Theory]
    [InlineData("CtBone.Dicom", "gdcm-sharp")]
    [InlineData("CtBone.Imaging", "SkiaSharp")]
    [InlineData("CtBone.Fhir", "Hl7.Fhir.R4")]
    public void Adapter_WhenLoaded_WrapsItsLibraryAndNoOther(string adapter, string library)
    {
        var references = References(adapter);

        Assert.Contains(library, references);
        Assert.DoesNotContain(references, name => name is "gdcm-sharp" or "SkiaSharp" or "Hl7.Fhir.R4" && name != library);
        Assert.DoesNotContain(references, name => name.StartsWith("CtBone.", StringComparison.Ordinal) && name != "CtBone.Core");
    }

    [Theory]
    [InlineData("CtBone.Api")]
    [InlineData("CtBone.Worker")]
    [InlineData("CtBone.Store")]
    [InlineData("ctbone")]
    public void FhirSdk_WhenLoaded_OnlyCtBoneFhirReferencesIt(string assembly)
    {
        var references = References(assembly);

        Assert.DoesNotContain(references, name => name.StartsWith("Hl7.Fhir", StringComparison.Ordinal) || name.StartsWith("Firely", StringComparison.Ordinal));
    }
}
