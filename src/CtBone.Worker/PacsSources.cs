using System.ComponentModel.DataAnnotations;
using CtBone.Pacs;
using CtBone.Store;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>An Orthanc to follow and fetch from (section "CtBone:Orthanc"); no Url turns it off.</summary>
public sealed class OrthancOptions : IValidatableObject
{
    public const string Section = "CtBone:Orthanc";

    /// <summary>Orthanc's REST root, e.g. http://orthanc:8042/.</summary>
    public string? Url { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    [Range(0.1, 3600)]
    public double PollSeconds { get; set; } = 5;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Url);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => PacsSettings.Check(Section, Url);
}

/// <summary>A DICOMweb server to poll and fetch from (section "CtBone:DicomWeb"); no Url turns it off.</summary>
public sealed class DicomWebOptions : IValidatableObject
{
    public const string Section = "CtBone:DicomWeb";

    /// <summary>The DICOMweb root, e.g. http://pacs:8042/dicom-web/.</summary>
    public string? Url { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    [Range(0.1, 86400)]
    public double PollSeconds { get; set; } = 60;

    /// <summary>Studies whose study date is within this many days before today are looked for.</summary>
    [Range(0, 3650)]
    public int LookbackDays { get; set; } = 2;

    /// <summary>A study is taken once its instance count has not changed for this long: it has stopped arriving.</summary>
    [Range(0, 86400)]
    public double QuietSeconds { get; set; } = 120;

    [Range(1L << 20, 1L << 40)]
    public long MaxStudyBytes { get; set; } = 8L << 30;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Url);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => PacsSettings.Check(Section, Url);
}

internal static class PacsSettings
{
    public const string HttpClientName = "pacs";

    public static IEnumerable<ValidationResult> Check(string section, string? url)
    {
        if (!string.IsNullOrWhiteSpace(url) && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult($"{section}:Url must be an absolute http(s) URL, not '{url}'");
        }
    }

    public static PacsCredentials? Credentials(string? user, string? password) =>
        string.IsNullOrEmpty(user) ? null : new PacsCredentials(user, password ?? string.Empty);

    public static OrthancClient Orthanc(IHttpClientFactory http, OrthancOptions options) =>
        new(http.CreateClient(HttpClientName), new Uri(options.Url!), Credentials(options.Username, options.Password));

    public static DicomWebClient DicomWeb(IHttpClientFactory http, DicomWebOptions options) =>
        new(http.CreateClient(HttpClientName), new Uri(options.Url!), Credentials(options.Username, options.Password));

    /// <summary>The PACS client's fault as the job sees it: retried when transient, recorded when not.</summary>
    public static StudyTransferException Transfer(PacsException e) => new(e.Message, e.IsTransient, e);
}

/// <summary>
/// Fetches a study from Orthanc: by its Orthanc id (from the change feed) or by StudyInstanceUID (asked for through the
/// API). Only CT series are downloaded; series selection happens in the analysis.
/// </summary>
public sealed class OrthancFetcher(IHttpClientFactory http, IOptions<OrthancOptions> options) : IStudyFetcher
{
    public string SourceKind => StudySources.Orthanc;

    public async Task<FetchedStudy> FetchAsync(AnalysisRecord analysis, string scratch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        if (!options.Value.IsConfigured)
        {
            throw new StudyTransferException("this worker has no Orthanc configured (CtBone:Orthanc:Url)", isTransient: false);
        }

        var orthanc = PacsSettings.Orthanc(http, options.Value);
        try
        {
            var id = analysis.SourceRef;
            if (id.Contains('.', StringComparison.Ordinal))
            {
                id = await orthanc.LookupStudyAsync(id, cancellationToken).ConfigureAwait(false)
                    ?? throw new StudyTransferException("Orthanc holds no study with this StudyInstanceUID", isTransient: false);
            }

            var count = await orthanc.DownloadStudyAsync(id, scratch, series => series.Modality == "CT", cancellationToken).ConfigureAwait(false);
            return count > 0 ? new FetchedStudy(scratch, count) : throw new StudyTransferException("the study has no CT series in Orthanc", isTransient: false);
        }
        catch (PacsException e)
        {
            throw PacsSettings.Transfer(e);
        }
    }
}

/// <summary>Fetches a study by StudyInstanceUID with WADO-RS.</summary>
public sealed class DicomWebFetcher(IHttpClientFactory http, IOptions<DicomWebOptions> options) : IStudyFetcher
{
    public string SourceKind => StudySources.DicomWeb;

    public async Task<FetchedStudy> FetchAsync(AnalysisRecord analysis, string scratch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        if (!options.Value.IsConfigured)
        {
            throw new StudyTransferException("this worker has no DICOMweb server configured (CtBone:DicomWeb:Url)", isTransient: false);
        }

        try
        {
            var retrieved = await PacsSettings.DicomWeb(http, options.Value).RetrieveStudyAsync(analysis.SourceRef, scratch, options.Value.MaxStudyBytes, cancellationToken).ConfigureAwait(false);
            return retrieved.FileCount > 0 ? new FetchedStudy(scratch, retrieved.FileCount) : throw new StudyTransferException("the DICOMweb server returned no instances", isTransient: false);
        }
        catch (PacsException e)
        {
            throw PacsSettings.Transfer(e);
        }
    }
}
