using System.Globalization;
using System.Text.Json;

namespace CtBone.Pacs;

/// <summary>Orthanc's own REST API: the change log, a study's index entry, and instance files.</summary>
public sealed class OrthancClient
{
    /// <summary>How many instance files <see cref="DownloadStudyAsync"/> fetches at once.</summary>
    public const int DownloadParallelism = 4;

    private readonly PacsHttp _http;

    /// <param name="http">Owned by the caller (timeouts, handler, lifetime); only requests are sent through it.</param>
    /// <param name="baseUri">Orthanc's root, for example <c>http://pacs:8042/</c>.</param>
    /// <param name="credentials">Basic-auth credentials, when Orthanc's AuthenticationEnabled is on.</param>
    public OrthancClient(HttpClient http, Uri baseUri, PacsCredentials? credentials = null)
    {
        _http = new PacsHttp(http, baseUri, credentials);
    }

    /// <summary>Changes after <paramref name="since"/> (a <see cref="OrthancChange.Seq"/>; 0 for the start), at most <paramref name="limit"/>.</summary>
    public async Task<OrthancChanges> GetChangesAsync(long since, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(since);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        using var json = await _http.GetJsonAsync(FormattableString.Invariant($"changes?since={since}&limit={limit}"), cancellationToken).ConfigureAwait(false);
        return Read("the change log", () =>
        {
            var root = json.RootElement;
            var changes = root.GetProperty("Changes").EnumerateArray()
                .Select(c => new OrthancChange(c.GetProperty("Seq").GetInt64(), Text(c, "ChangeType"), Text(c, "ResourceType"), Text(c, "ID"), OrthancDate(Text(c, "Date"))))
                .ToList();
            return new OrthancChanges(changes, root.GetProperty("Last").GetInt64(), root.GetProperty("Done").GetBoolean());
        });
    }

    public async Task<OrthancStudy> GetStudyAsync(string orthancStudyId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orthancStudyId);
        if (!IsOrthancId(orthancStudyId))
        {
            throw new ArgumentException($"'{orthancStudyId}' is not an Orthanc id", nameof(orthancStudyId));
        }

        var id = orthancStudyId;
        using var study = await _http.GetJsonAsync($"studies/{id}", cancellationToken).ConfigureAwait(false);
        using var series = await _http.GetJsonAsync($"studies/{id}/series", cancellationToken).ConfigureAwait(false);
        return Read($"study {id}", () =>
        {
            var tags = study.RootElement.GetProperty("MainDicomTags");
            var patient = study.RootElement.GetProperty("PatientMainDicomTags");
            return new OrthancStudy(
                id,
                Text(tags, "StudyInstanceUID"),
                Text(patient, "PatientID"),
                Text(patient, "PatientName"),
                Text(tags, "AccessionNumber"),
                DicomDate.Parse(Text(tags, "StudyDate")),
                Text(tags, "StudyDescription"),
                series.RootElement.EnumerateArray().Select(ReadSeries).ToList());
        });
    }

    /// <summary>The Orthanc id of the study with this StudyInstanceUID (<c>/tools/lookup</c>); null when Orthanc does not hold it.</summary>
    public async Task<string?> LookupStudyAsync(string studyInstanceUid, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(studyInstanceUid);
        using var request = _http.Request(HttpMethod.Post, "tools/lookup");
        request.Content = new StringContent(studyInstanceUid);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        using var json = await PacsHttp.ReadJsonAsync(response, PacsHttp.Describe(request), cancellationToken).ConfigureAwait(false);
        return Read("the lookup of a StudyInstanceUID", () => json.RootElement.EnumerateArray()
            .Where(match => Text(match, "Type") == "Study")
            .Select(match => OrthancId(Text(match, "ID")))
            .FirstOrDefault());
    }

    /// <summary>
    /// Writes each instance file of the study (of the series <paramref name="seriesFilter"/> keeps) into
    /// <paramref name="targetDirectory"/> as <c>{Orthanc instance id}.dcm</c>, as Orthanc stores it. Files appear only
    /// complete; a repeated download overwrites the same names.
    /// </summary>
    /// <returns>The number of files written.</returns>
    public async Task<int> DownloadStudyAsync(
        string orthancStudyId,
        string targetDirectory,
        Func<OrthancSeries, bool>? seriesFilter = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetDirectory);
        var study = await GetStudyAsync(orthancStudyId, cancellationToken).ConfigureAwait(false);
        var instances = study.Series.Where(seriesFilter ?? (_ => true)).SelectMany(s => s.InstanceIds).ToList();
        Directory.CreateDirectory(targetDirectory);
        PartialFile.DeleteLeftovers(targetDirectory);
        var options = new ParallelOptions { MaxDegreeOfParallelism = DownloadParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(instances, options, (instance, token) =>
            new ValueTask(DownloadInstanceAsync(instance, Path.Combine(targetDirectory, instance + ".dcm"), token))).ConfigureAwait(false);
        return instances.Count;
    }

    private async Task DownloadInstanceAsync(string instanceId, string path, CancellationToken cancellationToken)
    {
        using var request = _http.Request(HttpMethod.Get, $"instances/{instanceId}/file");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                await PartialFile.WriteAsync(path, file => body.CopyToAsync(file, cancellationToken)).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (PacsHttp.Translate(e, PacsHttp.Describe(request), cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    private static OrthancSeries ReadSeries(JsonElement series)
    {
        var tags = series.GetProperty("MainDicomTags");
        return new OrthancSeries(
            OrthancId(Text(series, "ID")),
            Text(tags, "Modality"),
            Text(tags, "SeriesInstanceUID"),
            Text(tags, "SeriesDescription"),
            series.GetProperty("Instances").EnumerateArray().Select(i => OrthancId(i.GetString() ?? string.Empty)).ToList());
    }

    /// <summary>Orthanc writes times as "20240315T101530".</summary>
    private static DateTime? OrthancDate(string value) =>
        DateTime.TryParseExact(value, "yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()!.Trim() : string.Empty;

    /// <summary>Orthanc ids are SHA-1 based (hex groups and dashes); anything else must not reach a URL path or a file name.</summary>
    private static bool IsOrthancId(string id) => id.Length > 0 && id.All(c => char.IsAsciiHexDigit(c) || c == '-');

    private static string OrthancId(string id) =>
        IsOrthancId(id) ? id : throw new PacsException($"Orthanc answered '{id}' where an Orthanc id belongs", isTransient: false);

    /// <summary>An answer whose JSON lacks what Orthanc always sends is a permanent fault, not a crash.</summary>
    private static T Read<T>(string what, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new PacsException($"Orthanc's answer for {what} is not as expected: {e.Message}", isTransient: false, innerException: e);
        }
    }
}
