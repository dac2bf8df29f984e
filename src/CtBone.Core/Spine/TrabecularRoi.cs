using CtBone.Core.Volumes;

namespace CtBone.Core.Spine;

/// <summary>
/// An elliptical trabecular region of interest drawn on axial slices (the plane CLINICAL.md's thresholds were read in):
/// the same ellipse on each of <see cref="Slices"/>, centred on the body's axis at that slice.
/// </summary>
public sealed record TrabecularRoi
{
    /// <summary>Centre of the ellipse on <see cref="MidSlice"/>, LPS mm.</summary>
    public required Vector3D CenterMm { get; init; }

    /// <summary>Half-axis along the ellipse's first axis (<see cref="MajorAxis"/>), mm.</summary>
    public required double SemiAxisMajorMm { get; init; }

    /// <summary>Half-axis along the other in-plane axis, mm.</summary>
    public required double SemiAxisMinorMm { get; init; }

    /// <summary>Unit vector of the first ellipse axis, in the slice plane (usually the body's left axis projected on the slice).</summary>
    public required Vector3D MajorAxis { get; init; }

    /// <summary>Slice indices k of the volume the ROI covers, feet to head.</summary>
    public required IReadOnlyList<int> Slices { get; init; }

    /// <summary>The slice nearest the body's mid-height: the one a key image and a DICOM SR SCOORD show.</summary>
    public required int MidSlice { get; init; }

    /// <summary>Centre of the ellipse on each of <see cref="Slices"/> (it follows the body axis), LPS mm.</summary>
    public required IReadOnlyList<Vector3D> SliceCentersMm { get; init; }

    /// <summary>Always "axial" for now; axial HU reads 5 to 12 HU above sagittal (CLINICAL.md).</summary>
    public string Plane { get; init; } = "axial";

    /// <summary>Area of one slice's ellipse, mm².</summary>
    public double AreaMm2 => Math.PI * SemiAxisMajorMm * SemiAxisMinorMm;
}

/// <summary>HU statistics over the voxels inside a <see cref="TrabecularRoi"/>; <c>AreaMm2</c> is the mean in-plane area per slice of the voxels counted.</summary>
public sealed record RoiStatistics(double MeanHu, double SdHu, double MedianHu, double AreaMm2, int VoxelCount);
