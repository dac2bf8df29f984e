using CtBone.Core.Volumes;

namespace CtBone.Core.Spine;

/// <summary>
/// One vertebral body found in a CT volume. Points are DICOM patient LPS millimetres; axes are unit vectors in LPS.
/// </summary>
public sealed record VertebralBody
{
    /// <summary>Anatomical label ("T12", "L1" … "L5", also "T13", "L6", "S1"), as the labeler decided it.</summary>
    public required string Level { get; init; }

    /// <summary>1 for the lowest presacral vertebra, counting up; null when the sacrum is not in the field of view.</summary>
    public int? PresacralIndex { get; init; }

    /// <summary>Centre of the body: mid-height on the body axis, in the middle of its axial cross-section.</summary>
    public required Vector3D CenterMm { get; init; }

    /// <summary>Body axis, towards the head (tilted by lordosis and scoliosis).</summary>
    public required Vector3D SuperiorAxis { get; init; }

    /// <summary>Towards the front of the body, perpendicular to <see cref="SuperiorAxis"/> (turns with axial rotation).</summary>
    public required Vector3D AnteriorAxis { get; init; }

    /// <summary>Towards the patient's left: <see cref="SuperiorAxis"/> × <see cref="AnteriorAxis"/> completes a right-handed frame.</summary>
    public Vector3D LeftAxis => SuperiorAxis.Cross(AnteriorAxis).Normalized();

    /// <summary>Centre of the superior endplate.</summary>
    public required Vector3D SuperiorEndplateMm { get; init; }

    /// <summary>Centre of the inferior endplate.</summary>
    public required Vector3D InferiorEndplateMm { get; init; }

    /// <summary>Endplate to endplate at the centre.</summary>
    public double HeightMm => (SuperiorEndplateMm - InferiorEndplateMm).Length;

    /// <summary>Left-right extent of the body at mid-height.</summary>
    public required double WidthMm { get; init; }

    /// <summary>Anterior-posterior extent of the body at mid-height.</summary>
    public required double DepthMm { get; init; }

    /// <summary>Whether ribs articulate with this vertebra.</summary>
    public required bool HasRibs { get; init; }

    /// <summary>Share (0 to 1) of the body's extent along the slice normal that lies inside the volume's slices.</summary>
    public required double CoverageFraction { get; init; }
}
