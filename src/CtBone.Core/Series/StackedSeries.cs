using CtBone.Core.Volumes;

namespace CtBone.Core.Series;

/// <summary>
/// The slices of one series in volume order, with the geometry they make. A slot with no source is a missing
/// slice that the loader fills by linear interpolation between <see cref="StackSlot.Below"/> and <see cref="StackSlot.Above"/>.
/// </summary>
public sealed record StackedSeries(VolumeGeometry Geometry, IReadOnlyList<StackSlot> Slots, IReadOnlyList<string> Warnings)
{
    public IEnumerable<SliceHeader> Sources => Slots.Where(s => s.Source is not null).Select(s => s.Source!);

    public int InterpolatedCount => Slots.Count(s => s.Source is null);

    /// <summary>Gantry tilt in degrees: the angle between the slice normal and the direction in which slices advance.</summary>
    public double TiltDegrees { get; init; }
}

/// <summary>One slice position. <see cref="Source"/> is null for an interpolated slice, whose neighbours are given by index.</summary>
public sealed record StackSlot(int Index, SliceHeader? Source, int Below, int Above);
