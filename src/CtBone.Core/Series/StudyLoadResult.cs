using System.Text.Json.Serialization;
using CtBone.Core.Volumes;

namespace CtBone.Core.Series;

public enum StudyLoadStatus
{
    Loaded,
    Rejected,
}

/// <summary>What ingest made of a folder: the chosen series as a HU volume, or the reason there is none, and every file and series it passed over.</summary>
public sealed record StudyLoadResult
{
    public required StudyLoadStatus Status { get; init; }

    /// <summary>Why nothing was loaded; null when <see cref="Status"/> is Loaded.</summary>
    public string? Reason { get; init; }

    public int FilesScanned { get; init; }

    public IReadOnlyList<FileIssue> SkippedFiles { get; init; } = [];

    public IReadOnlyList<SeriesCandidate> Series { get; init; } = [];

    public string? StudyInstanceUid { get; init; }

    public string? SeriesInstanceUid { get; init; }

    /// <summary>Who and which study the chosen series belongs to (PHI).</summary>
    public StudyIdentity? Study { get; init; }

    public string? TransferSyntaxUid { get; init; }

    public VolumeGeometry? Geometry { get; init; }

    public AcquisitionInfo? Acquisition { get; init; }

    /// <summary>Volume indices k of slices that were missing and interpolated; measurements should avoid them.</summary>
    public IReadOnlyList<int> InterpolatedSlices { get; init; } = [];

    /// <summary>SOPInstanceUID of each volume slice k (empty for an interpolated slice), so results can name their image.</summary>
    public IReadOnlyList<string> SopInstanceUids { get; init; } = [];

    /// <summary>The file each volume slice k was read from (empty for an interpolated slice), so results can go back to their source.</summary>
    public IReadOnlyList<string> SliceFiles { get; init; } = [];

    public IReadOnlyList<string> Warnings { get; init; } = [];

    public StudyLoadTimings Timings { get; init; } = new();

    [JsonIgnore]
    public CtVolume? Volume { get; init; }
}

/// <summary>Wall-clock milliseconds per ingest step.</summary>
public sealed record StudyLoadTimings
{
    public double ScanMs { get; init; }

    public double DecodeMs { get; init; }

    public double TotalMs { get; init; }

    /// <summary>Decoded HU megabytes (2 bytes a voxel) per second of decode time.</summary>
    public double DecodeMbPerSecond { get; init; }
}
