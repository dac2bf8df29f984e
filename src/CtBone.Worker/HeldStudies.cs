using System.Collections.Concurrent;
using System.Security.Cryptography;
using CtBone.Store;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>
/// Studies the service holds as files (inbox drops and uploads). A study moves through folders of the data directory:
/// <c>incoming/</c> while it arrives, <c>studies/{analysis id}/</c> while it waits for and goes through analysis, then
/// <c>processed/</c> or <c>failed/</c> once its result is stored. Nothing is deleted.
/// </summary>
public sealed class HeldStudies(StudyIntake intake, AnalysisStore store, IOptions<ServiceOptions> options)
{
    private const string RecoveredOrigin = "held files recovered at start";

    /// <summary>Studies moved under studies/ whose record is being written now: not unrecorded, only not recorded yet.</summary>
    private readonly ConcurrentDictionary<string, byte> _admitting = new(StringComparer.Ordinal);

    public string IncomingDirectory => Path.Combine(options.Value.DataDirectory, "incoming");

    public string ProcessedDirectory => Path.Combine(options.Value.DataDirectory, "processed");

    public string FailedDirectory => Path.Combine(options.Value.DataDirectory, "failed");

    /// <summary>A fresh folder under incoming/ to gather a study's files in before <see cref="AdmitAsync"/>.</summary>
    public string NewIncomingFolder()
    {
        var folder = Path.Combine(IncomingDirectory, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>
    /// Files a complete study (a folder on the data directory's file system) under a new analysis and queues it. The
    /// same files pushed again are the same analysis: the repeat goes to processed/ as a duplicate and the first stands.
    /// </summary>
    public async Task<(AnalysisRecord Record, bool Created)> AdmitAsync(string folder, string origin, CancellationToken cancellationToken)
    {
        var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories);
        if (files.Length == 0)
        {
            throw new InvalidDataException("the study holds no files");
        }

        var fingerprint = await FingerprintAsync(files, cancellationToken).ConfigureAwait(false);
        var id = AnalysisStore.NewId();
        var held = StoredFilesFetcher.StudyFolder(options.Value, id);
        Directory.CreateDirectory(options.Value.StudiesDirectory);
        _admitting[id] = 0;
        try
        {
            Directory.Move(folder, held);
            return await RecordAsync(held, id, origin, fingerprint, files.Length, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _admitting.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// Files under a new analysis the held studies that have none: a process that stopped between moving a study under
    /// studies/ and writing its record left them there, and nothing else would ever pick them up. Returns how many.
    /// </summary>
    public async Task<int> RecoverUnrecordedAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(options.Value.StudiesDirectory))
        {
            return 0;
        }

        var recovered = 0;
        foreach (var held in Directory.GetDirectories(options.Value.StudiesDirectory))
        {
            var id = Path.GetFileName(held);
            if (_admitting.ContainsKey(id) || await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }

            var files = Directory.GetFiles(held, "*", SearchOption.AllDirectories);
            if (files.Length == 0)
            {
                continue;
            }

            var fingerprint = await FingerprintAsync(files, cancellationToken).ConfigureAwait(false);
            await RecordAsync(held, id, RecoveredOrigin, fingerprint, files.Length, cancellationToken).ConfigureAwait(false);
            recovered++;
        }

        return recovered;
    }

    private async Task<(AnalysisRecord Record, bool Created)> RecordAsync(string held, string id, string origin, string fingerprint, int fileCount, CancellationToken cancellationToken)
    {
        var (record, created) = await intake.SubmitAsync(StudySources.Files, origin, fingerprint, null, fileCount, id, cancellationToken).ConfigureAwait(false);
        if (!created)
        {
            Directory.CreateDirectory(ProcessedDirectory);
            Directory.Move(held, Path.Combine(ProcessedDirectory, $"{id}-duplicate-of-{record.Id}"));
        }

        return (record, created);
    }

    /// <summary>Moves a held study out of the way once its result is stored: to processed/ when analysed, else to failed/.</summary>
    public void Archive(AnalysisRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var held = StoredFilesFetcher.StudyFolder(options.Value, record.Id);
        if (record.SourceKind != StudySources.Files || !Directory.Exists(held))
        {
            return;
        }

        var area = record.State == AnalysisState.Completed ? ProcessedDirectory : FailedDirectory;
        Directory.CreateDirectory(area);
        Directory.Move(held, Path.Combine(area, record.Id));
    }

    /// <summary>The same files in any order and under any names give the same fingerprint.</summary>
    private static async Task<string> FingerprintAsync(string[] files, CancellationToken cancellationToken)
    {
        var hashes = new List<byte[]>(files.Length);
        foreach (var file in files)
        {
            var stream = File.OpenRead(file);
            await using (stream.ConfigureAwait(false))
            {
                hashes.Add(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }
        }

        using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var hash in hashes.OrderBy(Convert.ToHexString, StringComparer.Ordinal))
        {
            all.AppendData(hash);
        }

        return Convert.ToHexStringLower(all.GetHashAndReset());
    }
}
