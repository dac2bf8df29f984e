using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CtBone.Core;
using CtBone.Core.Analysis;
using CtBone.Core.Screening;
using CtBone.Core.Series;
using CtBone.Store;
using CtBone.Worker;
using Microsoft.Data.Sqlite;

namespace CtBone.Service.Tests;

/// <summary>
/// Analyses written straight into a running service's SQLite file through <see cref="AnalysisStore"/>. Only a source
/// that hands a study in enqueues a job, so an analysis made here stays queued until a test posts its findings: the API
/// can be driven through every state without a worker, a PACS or a minute of analysis.
/// </summary>
internal static class StoreSeeding
{
    /// <summary>A 1x1 PNG: the API checks the signature, the viewer decodes it.</summary>
    public static byte[] Png { get; } = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    /// <summary>Queues an analysis, created at <paramref name="createdAt"/> (the list's order), and returns its id.</summary>
    public static async Task<string> QueueAsync(ServiceProcess service, DateTimeOffset? createdAt = null)
    {
        var store = new AnalysisStore(FindingsDatabase.Sqlite(service.DatabasePath), new FixedClock(createdAt ?? DateTimeOffset.UtcNow));
        var (record, created) = await store.CreateAsync(new NewAnalysis
        {
            SourceKind = StudySources.Files,
            SourceRef = "seeded by a test",
            DedupeKey = "test|" + Guid.NewGuid().ToString("N"),
            AlgorithmVersion = SpineAnalyzer.AlgorithmVersion,
        });
        Assert.True(created);
        return record.Id;
    }

    /// <summary>Runs one SQL statement on the service's database, the way a damaged or hand-edited row would come about; returns the rows it changed.</summary>
    public static async Task<int> ExecuteAsync(ServiceProcess service, string sql, params (string Name, object Value)[] parameters)
    {
        var connection = await FindingsDatabase.Sqlite(service.DatabasePath).OpenAsync();
        await using (connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.Add(new SqliteParameter(name, value));
            }

            return await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>A completed findings document for a study of one patient, screened into <paramref name="category"/>.</summary>
    public static Findings Completed(string patientId, string patientName, string accession, DateOnly studyDate, ScreeningCategory category) => new()
    {
        Status = AnalysisStatus.Completed,
        AlgorithmVersion = SpineAnalyzer.AlgorithmVersion,
        StudyInstanceUid = "2.25." + UidNumber(),
        SeriesInstanceUid = "2.25." + UidNumber(),
        Study = new StudyIdentity { PatientId = patientId, PatientName = patientName, AccessionNumber = accession, StudyDate = studyDate },
        Screening = new ScreeningResult { Category = category, LevelUsed = "L1", Hu = category == ScreeningCategory.Normal ? 180 : 90 },
    };

    public static string Json(Findings findings) => JsonSerializer.Serialize(findings, CtBoneJson.Options);

    /// <summary>Posts findings as a worker does (<see cref="FindingsPoster"/>'s form), with any key images.</summary>
    public static async Task<HttpResponseMessage> PostFindingsAsync(HttpClient client, string id, string findingsJson, params (string Name, byte[] Bytes)[] images)
    {
        using var content = FindingsForm(findingsJson, images);
        return await client.PostAsync($"/api/analyses/{id}/findings", content);
    }

    /// <summary>The multipart form a worker posts: 'findings' JSON and 'images' files.</summary>
    public static MultipartFormDataContent FindingsForm(string findingsJson, params (string Name, byte[] Bytes)[] images)
    {
        var content = new MultipartFormDataContent();
        content.Add(new StringContent(findingsJson, Encoding.UTF8, "application/json"), FindingsPoster.FindingsPart);
        foreach (var (name, bytes) in images)
        {
            var dicom = name.EndsWith(".dcm", StringComparison.Ordinal);
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue(dicom ? "application/dicom" : "image/png");
            content.Add(part, dicom ? FindingsPoster.DicomPart : FindingsPoster.ImagePart, name);
        }

        return content;
    }

    /// <summary>A Part 10 preamble and prefix with nothing after them: what the API checks a DICOM object for.</summary>
    public static byte[] Dicom { get; } = [.. new byte[128], .. "DICM"u8, .. new byte[16]];

    /// <summary>
    /// Queues an analysis and completes it with <paramref name="findings"/> and one key image, sagittal.png (and with
    /// <paramref name="withDicom"/> a DICOM object for PACS, report-sr.dcm); returns its id.
    /// </summary>
    public static async Task<string> CompletedAsync(ServiceProcess service, string ingestKey, Findings findings, DateTimeOffset? createdAt = null, bool withDicom = false)
    {
        var id = await QueueAsync(service, createdAt);
        using var client = service.Client(ingestKey);
        (string, byte[])[] parts = withDicom ? [("sagittal.png", Png), ("report-sr.dcm", Dicom)] : [("sagittal.png", Png)];
        using var response = await PostFindingsAsync(client, id, Json(findings), parts);
        response.EnsureSuccessStatusCode();
        return id;
    }

    private static string UidNumber() => new System.Numerics.BigInteger(Guid.NewGuid().ToByteArray(), isUnsigned: true).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
