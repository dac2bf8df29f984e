using System.Net;
using System.Text.Json;

namespace CtBone.Pacs.Tests;

public class DicomJsonTests
{
    // Shaped like Orthanc's QIDO-RS answer (DICOMweb plugin 1.7), trimmed; the second match is what other servers send:
    // IS as a string, lower-case tags, attributes without a Value.
    private const string TwoStudies = """
        [
          {
            "00080020": { "vr": "DA", "Value": ["20240315"] },
            "00080050": { "vr": "SH", "Value": ["PH162265057332"] },
            "00080061": { "vr": "CS", "Value": ["CT", "SR"] },
            "00080090": { "vr": "PN" },
            "00081030": { "vr": "LO", "Value": ["CT ABDOMEN PELVIS"] },
            "00100010": { "vr": "PN", "Value": [{ "Alphabetic": "PHANTOM^STANDARD" }] },
            "00100020": { "vr": "LO", "Value": ["PH-STANDARD-101"] },
            "0020000D": { "vr": "UI", "Value": ["2.25.141504220198477352250284845085691237841"] },
            "00201208": { "vr": "IS", "Value": [210] }
          },
          {
            "0020000d": { "vr": "UI", "Value": ["1.2.3"] },
            "00201208": { "vr": "IS", "Value": ["12"] },
            "00080020": { "vr": "DA", "Value": [] },
            "00100010": { "vr": "PN", "Value": [{ "Ideographic": "山田^太郎" }] }
          }
        ]
        """;

    [Fact]
    public void ParseStudies_WhenOrthancAnswer_ReadsEveryField()
    {
        var studies = DicomJson.ParseStudies(Parse(TwoStudies));

        var study = studies[0];
        Assert.Equal("2.25.141504220198477352250284845085691237841", study.StudyInstanceUid);
        Assert.Equal(new DateOnly(2024, 3, 15), study.StudyDate);
        Assert.Equal(210, study.NumberOfStudyRelatedInstances);
        Assert.Equal("PH-STANDARD-101", study.PatientId);
        Assert.Equal("PHANTOM^STANDARD", study.PatientName);
        Assert.Equal("PH162265057332", study.AccessionNumber);
        Assert.Equal("CT ABDOMEN PELVIS", study.StudyDescription);
        Assert.Equal(["CT", "SR"], study.ModalitiesInStudy);
    }

    [Fact]
    public void ParseStudies_WhenValuesAreMissingOrStrings_ReadsWhatIsThere()
    {
        var study = DicomJson.ParseStudies(Parse(TwoStudies))[1];

        Assert.Equal("1.2.3", study.StudyInstanceUid);
        Assert.Equal(12, study.NumberOfStudyRelatedInstances);
        Assert.Null(study.StudyDate);
        Assert.Equal(string.Empty, study.PatientName);
        Assert.Equal(string.Empty, study.AccessionNumber);
        Assert.Empty(study.ModalitiesInStudy);
    }

    [Fact]
    public void ToString_OfAStudy_LeavesOutPatientData()
    {
        var study = DicomJson.ParseStudies(Parse(TwoStudies))[0];

        Assert.DoesNotContain("PHANTOM", study.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("PH-STANDARD", study.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("PH162265057332", study.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "0020000D": { "vr": "UI", "Value": ["1.2.3"] } }""")]
    [InlineData("""[{ "00080020": { "vr": "DA", "Value": ["20240315"] } }]""")]
    public void ParseStudies_WhenNotAnArrayOfStudies_ThrowsPermanent(string json)
    {
        var failure = Assert.Throws<PacsException>(() => DicomJson.ParseStudies(Parse(json)));

        Assert.False(failure.IsTransient);
    }

    [Fact]
    public void ParseStowResponse_WhenSomeFailed_ListsStoredAndFailedInstances()
    {
        const string response = """
            {
              "00081190": { "vr": "UR", "Value": ["http://pacs/dicom-web/studies/1.2"] },
              "00081198": { "vr": "SQ", "Value": [
                { "00081150": { "vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.2"] },
                  "00081155": { "vr": "UI", "Value": ["1.2.3.5"] },
                  "00081197": { "vr": "US", "Value": [49152] } } ] },
              "00081199": { "vr": "SQ", "Value": [
                { "00081150": { "vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.2"] },
                  "00081155": { "vr": "UI", "Value": ["1.2.3.4"] } } ] }
            }
            """;

        var outcome = DicomJson.ParseStowResponse(HttpStatusCode.Accepted, Parse(response));

        Assert.Equal(HttpStatusCode.Accepted, outcome.StatusCode);
        Assert.Equal(["1.2.3.4"], outcome.StoredSopInstanceUids);
        Assert.Equal([new StowFailure("1.2.3.5", 0xC000)], outcome.Failures);
        Assert.False(outcome.AllStored);
    }

    [Fact]
    public void ParseStowResponse_WhenEmptySequences_HasNoInstances()
    {
        var outcome = DicomJson.ParseStowResponse(HttpStatusCode.OK, Parse("""{ "00081198": { "vr": "SQ" }, "00081199": { "vr": "SQ" } }"""));

        Assert.Empty(outcome.StoredSopInstanceUids);
        Assert.Empty(outcome.Failures);
        Assert.True(outcome.AllStored);
    }

    [Theory]
    [InlineData(2024, 3, 1, 2024, 3, 31, "20240301-20240331")]
    [InlineData(2024, 3, 1, null, null, null, "20240301-")]
    [InlineData(null, null, null, 2024, 3, 31, "-20240331")]
    public void Range_WhenEitherEndIsOpen_WritesADicomDateRange(int? fromYear, int? fromMonth, int? fromDay, int? toYear, int? toMonth, int? toDay, string expected)
    {
        DateOnly? from = fromYear is null ? null : new DateOnly(fromYear.Value, fromMonth!.Value, fromDay!.Value);
        DateOnly? to = toYear is null ? null : new DateOnly(toYear.Value, toMonth!.Value, toDay!.Value);

        Assert.Equal(expected, DicomDate.Range(from, to));
    }

    [Fact]
    public void Range_WhenNoEnd_IsNull()
    {
        Assert.Null(DicomDate.Range(null, null));
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
}
