using System.Diagnostics;
using System.Globalization;
using CtBone.Core.Series;
using CtBone.Core.Volumes;

namespace CtBone.Dicom;

/// <summary>
/// Folder in, HU volume out, inside the calling process: scan every file's header, choose the series, decode it.
/// GDCM can abort or hang its process on some broken files, so untrusted input goes through
/// <see cref="Isolation.IsolatedStudyLoader"/>, which runs this in a child process.
/// </summary>
public sealed class StudyLoader(StudyLoaderOptions? options = null)
{
    private readonly StudyLoaderOptions _options = options ?? new StudyLoaderOptions();

    /// <param name="path">A folder (searched recursively, any file name) or a single file.</param>
    /// <param name="journal">Told before and after each file GDCM reads; may be null.</param>
    /// <param name="excluded">Files not to touch, with the reason recorded for each (files that crashed an earlier attempt).</param>
    public StudyLoadResult Load(string path, IDecodeJournal? journal = null, IReadOnlyDictionary<string, string>? excluded = null, CancellationToken cancellationToken = default)
    {
        var store = new ArrayVolumeStore();
        var result = Load(path, journal, excluded, store, cancellationToken);
        return result.Status == StudyLoadStatus.Loaded ? result with { Volume = new CtVolume(result.Geometry!, store.Hu!) } : result;
    }

    /// <summary>
    /// Loads into <paramref name="store"/>, so that the decode host can write straight into shared memory. The result
    /// has no <see cref="StudyLoadResult.Volume"/>: the voxels are in the store.
    /// </summary>
    internal StudyLoadResult Load(string path, IDecodeJournal? journal, IReadOnlyDictionary<string, string>? excluded, VolumeStore store, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var files = EnumerateFiles(path);
        if (files is null)
        {
            return new StudyLoadResult { Status = StudyLoadStatus.Rejected, Reason = $"no such file or folder: {path}" };
        }

        var (headers, skipped) = ScanHeaders(files, journal, excluded, cancellationToken);
        var scanMs = total.Elapsed.TotalMilliseconds;
        var selector = new SeriesSelector(_options.Selection);
        var decodeClock = new Stopwatch();
        for (var attempt = 0; ; attempt++)
        {
            var selection = selector.Select(headers);
            var seriesIssues = selection.Candidates.SelectMany(c => c.Dropped).ToList();
            if (selection.Stack is not { } stack)
            {
                return new StudyLoadResult
                {
                    Status = StudyLoadStatus.Rejected,
                    Reason = selection.Reason,
                    FilesScanned = files.Count,
                    SkippedFiles = [.. skipped, .. seriesIssues],
                    Series = selection.Candidates,
                    Timings = new StudyLoadTimings { ScanMs = scanMs, TotalMs = total.Elapsed.TotalMilliseconds },
                };
            }

            decodeClock.Restart();
            var decoded = Decode(stack, store, journal, cancellationToken);
            decodeClock.Stop();
            if (decoded.Failures.Count > 0 && attempt < _options.MaxDecodeRetries)
            {
                // Choose again without the files that would not decode: the stack may fill the gap, or another series may now win.
                var bad = decoded.Failures.Select(f => f.FilePath).ToHashSet(StringComparer.Ordinal);
                skipped.AddRange(decoded.Failures);
                headers.RemoveAll(h => bad.Contains(h.FilePath));
                continue;
            }

            if (decoded.Failures.Count > 0)
            {
                return new StudyLoadResult
                {
                    Status = StudyLoadStatus.Rejected,
                    Reason = $"{decoded.Failures.Count} image(s) of the chosen series cannot be decoded",
                    FilesScanned = files.Count,
                    SkippedFiles = [.. skipped, .. decoded.Failures, .. seriesIssues],
                    Series = selection.Candidates,
                };
            }

            var warnings = selection.Warnings.ToList();
            if (decoded.ClampedVoxels > 0)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{decoded.ClampedVoxels} voxel(s) outside -32768..32767 HU were clamped"));
            }

            if (skipped.Count > 0)
            {
                warnings.Add($"{skipped.Count} file(s) skipped; see skippedFiles");
            }

            var megabytes = stack.Geometry.VoxelCount * 2 / 1e6;
            return new StudyLoadResult
            {
                Status = StudyLoadStatus.Loaded,
                FilesScanned = files.Count,
                SkippedFiles = [.. skipped, .. seriesIssues],
                Series = selection.Candidates,
                StudyInstanceUid = selection.StudyInstanceUid,
                SeriesInstanceUid = selection.SeriesInstanceUid,
                TransferSyntaxUid = stack.Sources.First().TransferSyntaxUid,
                Geometry = stack.Geometry,
                Acquisition = selection.Acquisition,
                Study = selection.Study,
                InterpolatedSlices = stack.Slots.Where(s => s.Source is null).Select(s => s.Index).ToList(),
                SopInstanceUids = stack.Slots.Select(s => s.Source?.SopInstanceUid ?? string.Empty).ToList(),
                SliceFiles = stack.Slots.Select(s => s.Source?.FilePath ?? string.Empty).ToList(),
                Warnings = warnings,
                Timings = new StudyLoadTimings
                {
                    ScanMs = scanMs,
                    DecodeMs = decodeClock.Elapsed.TotalMilliseconds,
                    TotalMs = total.Elapsed.TotalMilliseconds,
                    DecodeMbPerSecond = megabytes / Math.Max(1e-9, decodeClock.Elapsed.TotalSeconds),
                },
            };
        }
    }

    private static List<string>? EnumerateFiles(string path)
    {
        if (File.Exists(path))
        {
            return [Path.GetFullPath(path)];
        }

        if (!Directory.Exists(path))
        {
            return null;
        }

        var enumeration = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Device,
            MaxRecursionDepth = 32,
        };

        // Sorted only so that reports are stable; the volume order comes from positions, never from names.
        return Directory.EnumerateFiles(Path.GetFullPath(path), "*", enumeration).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every file's header, in file order, read in parallel: GDCM's header parse is most of a native load.</summary>
    private (List<SliceHeader> Headers, List<FileIssue> Skipped) ScanHeaders(List<string> files, IDecodeJournal? journal, IReadOnlyDictionary<string, string>? excluded, CancellationToken cancellationToken)
    {
        var outcomes = new DicomHeaderReader.Outcome[files.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, files.Count, parallel, i =>
        {
            var file = files[i];
            if (excluded is not null && excluded.TryGetValue(file, out var why))
            {
                outcomes[i] = new DicomHeaderReader.Outcome(null, why);
                return;
            }

            journal?.BeforeFile(file);
            outcomes[i] = DicomHeaderReader.Read(file);
            journal?.AfterFile(file);
        });

        var headers = new List<SliceHeader>(files.Count);
        var skipped = new List<FileIssue>();
        for (var i = 0; i < files.Count; i++)
        {
            if (outcomes[i].Header is { } header)
            {
                headers.Add(header);
            }
            else
            {
                skipped.Add(new FileIssue(files[i], outcomes[i].SkipReason!));
            }
        }

        return (headers, skipped);
    }

    private (List<FileIssue> Failures, long ClampedVoxels) Decode(StackedSeries stack, VolumeStore store, IDecodeJournal? journal, CancellationToken cancellationToken)
    {
        var geometry = stack.Geometry;
        store.Start(geometry.Slices, geometry.SliceLength);
        var failures = new List<FileIssue>();
        long clamped = 0;
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism,
            CancellationToken = cancellationToken,
        };
        Parallel.For(
            0,
            stack.Slots.Count,
            parallel,
            () => new SliceScratch(),
            (k, _, scratch) =>
            {
                var source = stack.Slots[k].Source;
                if (source is null)
                {
                    return scratch;
                }

                var target = store.SliceTarget(k, ref scratch.Slice);
                journal?.BeforeFile(source.FilePath);
                var error = DicomPixelDecoder.DecodeHu(source, target, ref scratch.Gdcm, out var clampedHere);
                journal?.AfterFile(source.FilePath);
                if (error is not null)
                {
                    lock (failures)
                    {
                        failures.Add(new FileIssue(source.FilePath, error));
                    }

                    return scratch;
                }

                store.SliceWritten(k, target);
                if (clampedHere > 0)
                {
                    Interlocked.Add(ref clamped, clampedHere);
                }

                return scratch;
            },
            _ => { });

        if (failures.Count == 0)
        {
            foreach (var slot in stack.Slots.Where(s => s.Source is null))
            {
                Interpolate(store, geometry.SliceLength, slot);
            }
        }

        return (failures, clamped);
    }

    private static void Interpolate(VolumeStore store, int sliceLength, StackSlot slot)
    {
        var below = new short[sliceLength];
        var above = new short[sliceLength];
        store.ReadSlice(slot.Below, below);
        store.ReadSlice(slot.Above, above);
        short[]? buffer = null;
        var target = store.SliceTarget(slot.Index, ref buffer);
        var weight = (double)(slot.Index - slot.Below) / (slot.Above - slot.Below);
        for (var i = 0; i < sliceLength; i++)
        {
            target[i] = (short)Math.Round(below[i] + ((above[i] - below[i]) * weight));
        }

        store.SliceWritten(slot.Index, target);
    }

    /// <summary>One decoding thread's buffers, kept from slice to slice.</summary>
    private sealed class SliceScratch
    {
        public byte[] Gdcm = [];
        public short[]? Slice;
    }
}

/// <summary>Options for <see cref="StudyLoader"/>.</summary>
public sealed record StudyLoaderOptions
{
    /// <summary>Threads that decode slices at once. Default: one per core.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>How many times the series is chosen again after some of its images would not decode. Default 2.</summary>
    public int MaxDecodeRetries { get; init; } = 2;

    public SeriesSelectorOptions Selection { get; init; } = new();
}
