using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace CtBone.Fhir.Tests;

/// <summary>
/// Beyond the POCO checks: Firely's profile validator against the R4 core StructureDefinitions (the specification.zip
/// of Hl7.Fhir.Specification.Data.R4), which also runs every FHIRPath invariant (obs-6, bdl-7, dom-*, ele-1 ...) and
/// checks codes against required bindings. Loading the specification takes about ten seconds.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AnalysisBundleProfileTests(AnalysisBundleProfileTests.CoreProfiles profiles) : IClassFixture<AnalysisBundleProfileTests.CoreProfiles>
{
    [Fact]
    public void Validate_FractureL1Bundle_NoErrorsAndNoWarningsAgainstTheR4CoreProfiles()
    {
        var outcome = profiles.Validate(Bundle(amended: false));

        Assert.True(outcome.Success, Issues(outcome));
        Assert.Equal(0, outcome.Warnings);
    }

    [Fact]
    public void Validate_AmendedBundle_NoErrors()
    {
        var outcome = profiles.Validate(Bundle(amended: true));

        Assert.True(outcome.Success, Issues(outcome));
    }

    [Fact]
    public void Validate_WhenAnExcludedLevelAlsoHasAValue_FailsOnInvariantObs6()
    {
        var bundle = Bundle(amended: false);
        var l1 = bundle.Entry.Select(e => e.Resource).OfType<Observation>().Single(o => o.BodySite?.Text == "L1");
        l1.Value = new Quantity(73.9m, "[hnsf'U]", "http://unitsofmeasure.org");

        var outcome = profiles.Validate(bundle);

        Assert.False(outcome.Success);
        Assert.Contains(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error && i.Details.Text.Contains("obs-6", StringComparison.Ordinal));
    }

    private static Bundle Bundle(bool amended)
    {
        var source = new AnalysisReportSource { AnalysisId = "a-profile", Findings = FhirConformance.FractureL1(), FinishedAt = DateTimeOffset.UnixEpoch, Amended = amended };
        return FhirConformance.ParseStrict(new AnalysisBundleWriter(new FhirExportOptions()).ToJson(source, DateTimeOffset.UnixEpoch));
    }

    private static string Issues(OperationOutcome outcome) =>
        string.Join('\n', outcome.Issue.Select(i => $"{i.Severity} {i.Code}: {i.Details?.Text} @ {string.Join(',', i.Expression)}"));

    /// <summary>One validator over the R4 core specification for the tests of this class.</summary>
    public sealed class CoreProfiles
    {
        private readonly Validator _validator;

        public CoreProfiles()
        {
            var resolver = new CachedResolver(ZipSource.CreateValidationSource());
            _validator = new Validator(resolver, new LocalTerminologyService(resolver));
        }

        public OperationOutcome Validate(Resource resource) => _validator.Validate(resource);
    }
}
