using System.ComponentModel.DataAnnotations;

namespace CtBone.Fhir.Tests;

public sealed class FhirExportOptionsTests
{
    [Fact]
    public void Validate_Defaults_AreValid() => Assert.Empty(Errors(new FhirExportOptions()));

    [Theory]
    [InlineData("urn:oid:1.2.156.112605.1")]
    [InlineData("https://hospital.example/fhir/sid/mrn")]
    public void Validate_WhenSystemIsAnAbsoluteUri_Valid(string system) => Assert.Empty(Errors(new FhirExportOptions { PatientIdentifierSystem = system }));

    [Theory]
    [InlineData("mrn")]
    [InlineData("")]
    [InlineData("https://hospital.example/fhir/sid/mrn#x")]
    [InlineData("https://hospital.example/my mrn")]
    public void Validate_WhenSystemIsNoAbsoluteUri_NamesTheSetting(string system)
    {
        var error = Assert.Single(Errors(new FhirExportOptions { PatientIdentifierSystem = system }));

        Assert.Equal([nameof(FhirExportOptions.PatientIdentifierSystem)], error.MemberNames);
    }

    private static List<ValidationResult> Errors(FhirExportOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
