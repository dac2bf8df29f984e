using System.ComponentModel.DataAnnotations;
using CtBone.Pacs;
using CtBone.Store;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>
/// Where the DICOM objects of a completed analysis (the SR and the overview) are sent (section "CtBone:Delivery").
/// By default to the study's source: Orthanc's DICOMweb root (CtBone:Orthanc:Url + <see cref="OrthancDicomWebPath"/>)
/// for studies from Orthanc, the configured DICOMweb server for studies from DICOMweb, nowhere for inbox drops and
/// uploads. <see cref="StowUrl"/> sends every analysis' objects to one STOW-RS server instead.
/// </summary>
public sealed class DeliveryOptions : IValidatableObject
{
    public const string Section = "CtBone:Delivery";

    /// <summary>False sends nothing (the objects are still stored and served). Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A DICOMweb root that receives every analysis' objects by STOW-RS, whatever the source; default none.</summary>
    public string? StowUrl { get; set; }

    /// <summary>Basic-auth credentials for <see cref="StowUrl"/>.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>Orthanc's DICOMweb root under its REST root (the plugin's DicomWeb.Root). Default "dicom-web/".</summary>
    public string OrthancDicomWebPath { get; set; } = "dicom-web/";

    /// <summary>
    /// The reviewers' organization, as a revised SR's Verifying Organization (0040,A027, type 1; at most 64 characters).
    /// Default "CtBone review (organization not configured)".
    /// </summary>
    [StringLength(64, MinimumLength = 1)]
    public string VerifyingOrganization { get; set; } = "CtBone review (organization not configured)";

    /// <summary>Attempts before a delivery is recorded as failed; transient faults (unreachable, 5xx, 429) are retried. Default 8.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Waits between attempts, seconds; the last repeats. Default 10, 30, 60, 300, 900, 1800.</summary>
    public double[] RetryDelaysSeconds { get; set; } = [10, 30, 60, 300, 900, 1800];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var problem in PacsSettings.Check(Section, StowUrl))
        {
            yield return problem;
        }

        if (RetryDelaysSeconds.Length == 0 || RetryDelaysSeconds.Any(d => d is < 0 or > 86400 || double.IsNaN(d)))
        {
            yield return new ValidationResult("must be one or more waits of 0 to 86400 seconds", [nameof(RetryDelaysSeconds)]);
        }
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1.</summary>
    public TimeSpan RetryDelay(int attempt) => TimeSpan.FromSeconds(RetryDelaysSeconds[Math.Clamp(attempt - 1, 0, RetryDelaysSeconds.Length - 1)]);
}

/// <summary>A destination resolved from configuration: the STOW-RS root and its credentials.</summary>
public sealed record DeliveryEndpoint(Uri DicomWebRoot, PacsCredentials? Credentials);

/// <summary>Decides where an analysis' objects go, from its source and the configuration of the process asking.</summary>
public sealed class DeliveryDestinations(IOptions<DeliveryOptions> delivery, IOptions<OrthancOptions> orthanc, IOptions<DicomWebOptions> dicomWeb)
{
    public const string Configured = "configured";
    public const string Nowhere = "none";

    /// <summary>The destination recorded when an analysis completes; "none" with the reason when there is none.</summary>
    public DeliveryTarget For(string sourceKind)
    {
        var options = delivery.Value;
        if (!options.Enabled)
        {
            return new DeliveryTarget(Nowhere, "delivery to PACS is switched off (CtBone:Delivery:Enabled)");
        }

        var kind = !string.IsNullOrWhiteSpace(options.StowUrl) ? Configured : sourceKind;
        return Endpoint(kind) is { } endpoint
            ? new DeliveryTarget(kind, endpoint.DicomWebRoot.ToString())
            : new DeliveryTarget(Nowhere, sourceKind is StudySources.Files or StudySources.ArchiveFolder
                ? "the study came from a file drop, an upload or an archive folder, and no STOW-RS destination is configured (CtBone:Delivery:StowUrl)"
                : $"the study's source '{sourceKind}' is not configured here, and neither is CtBone:Delivery:StowUrl");
    }

    /// <summary>The endpoint of a destination kind as configured now; null when it is not configured.</summary>
    public DeliveryEndpoint? Endpoint(string kind)
    {
        switch (kind)
        {
            case Configured when !string.IsNullOrWhiteSpace(delivery.Value.StowUrl):
                return new DeliveryEndpoint(Root(delivery.Value.StowUrl!), PacsSettings.Credentials(delivery.Value.Username, delivery.Value.Password));
            case StudySources.Orthanc when orthanc.Value.IsConfigured:
                return new DeliveryEndpoint(
                    new Uri(Root(orthanc.Value.Url!), delivery.Value.OrthancDicomWebPath.TrimStart('/')),
                    PacsSettings.Credentials(orthanc.Value.Username, orthanc.Value.Password));
            case StudySources.DicomWeb when dicomWeb.Value.IsConfigured:
                return new DeliveryEndpoint(Root(dicomWeb.Value.Url!), PacsSettings.Credentials(dicomWeb.Value.Username, dicomWeb.Value.Password));
            default:
                return null;
        }
    }

    private static Uri Root(string url) => new(url.EndsWith('/') ? url : url + "/");
}
