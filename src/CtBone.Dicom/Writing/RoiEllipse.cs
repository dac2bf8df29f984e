using CtBone.Core.Analysis;
using CtBone.Core.Volumes;

namespace CtBone.Dicom.Writing;

/// <summary>
/// An ROI ellipse in an image's pixel grid as an SCOORD ELLIPSE (PS3.3 C.18.6.1.2): four (column, row) points, the
/// major axis' two ends and then the minor axis' two ends, in SCOORD image coordinates.
/// </summary>
public sealed record ScoordEllipse(IReadOnlyList<(double Column, double Row)> Points)
{
    /// <summary>The centre: the middle of the major axis.</summary>
    public (double Column, double Row) Center => ((Points[0].Column + Points[1].Column) / 2, (Points[0].Row + Points[1].Row) / 2);

    /// <summary>The eight Graphic Data (0070,0022) values, column then row for each point.</summary>
    public float[] GraphicData => [.. Points.SelectMany(p => new[] { (float)p.Column, (float)p.Row })];
}

/// <summary>Maps an ROI of the findings (LPS centre, half-axes in mm, axis direction) into a slice's pixel grid.</summary>
public static class RoiEllipse
{
    /// <summary>
    /// The ellipse of <paramref name="roi"/> centred at <paramref name="centerMm"/>, drawn in <paramref name="plane"/>.
    /// The mm ellipse's axes (<see cref="RoiGeometry.MajorAxis"/> projected onto the plane, and its perpendicular in the
    /// plane) are mapped to pixels; with square pixels they stay the pixel ellipse's axes, and with unequal row and column
    /// spacing the pixel ellipse's own principal axes are computed (the image of a circle under a linear map).
    /// </summary>
    public static ScoordEllipse ToScoord(RoiGeometry roi, Vector3D centerMm, ImagePlane plane)
    {
        ArgumentNullException.ThrowIfNull(roi);
        ArgumentNullException.ThrowIfNull(plane);
        if (roi.MajorAxis is not [var ax, var ay, var az])
        {
            throw new ArgumentException("the ROI's major axis is not an [x, y, z] direction", nameof(roi));
        }

        var normal = plane.Normal;
        var along = new Vector3D(ax, ay, az);
        along = (along - (normal * along.Dot(normal))).Normalized();
        if (along.Length < 0.5)
        {
            // The axis is perpendicular to the slice: any in-plane direction will do for a circle-like outline.
            along = plane.RowDirection;
        }

        var across = normal.Cross(along).Normalized();

        // Columns of M: the two semi-axis vectors in pixel units (column, row).
        var m11 = roi.SemiAxisMajorMm * along.Dot(plane.RowDirection) / plane.ColumnSpacingMm;
        var m21 = roi.SemiAxisMajorMm * along.Dot(plane.ColumnDirection) / plane.RowSpacingMm;
        var m12 = roi.SemiAxisMinorMm * across.Dot(plane.RowDirection) / plane.ColumnSpacingMm;
        var m22 = roi.SemiAxisMinorMm * across.Dot(plane.ColumnDirection) / plane.RowSpacingMm;

        // The ellipse {M (cos t, sin t)} has its principal semi-axes along the eigenvectors of S = M Mᵀ, with lengths
        // the square roots of the eigenvalues.
        var s11 = (m11 * m11) + (m12 * m12);
        var s12 = (m11 * m21) + (m12 * m22);
        var s22 = (m21 * m21) + (m22 * m22);
        var mean = (s11 + s22) / 2;
        var spread = Math.Sqrt((((s11 - s22) / 2) * ((s11 - s22) / 2)) + (s12 * s12));
        var major = Math.Sqrt(mean + spread);
        var minor = Math.Sqrt(Math.Max(0, mean - spread));
        var angle = 0.5 * Math.Atan2(2 * s12, s11 - s22);
        var (uc, ur) = (Math.Cos(angle), Math.Sin(angle));

        var (cc, cr) = plane.ToImage(centerMm);
        return new ScoordEllipse(
        [
            (cc + (major * uc), cr + (major * ur)),
            (cc - (major * uc), cr - (major * ur)),
            (cc - (minor * ur), cr + (minor * uc)),
            (cc + (minor * ur), cr - (minor * uc)),
        ]);
    }
}
