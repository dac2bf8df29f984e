using CtBone.Core.Volumes;

namespace CtBone.Imaging;

/// <summary>
/// An image area laid in patient space: pixel x grows along <see cref="Right"/>, pixel y along <see cref="Down"/>, and the
/// area's middle is <see cref="CenterMm"/>. Pixel (x, y) covers [x, x+1) × [y, y+1); its centre is at (x + ½, y + ½).
/// Building images and overlays from one plane keeps the anatomy and the ROI drawn over it in register, whatever way the
/// series stores its rows and columns.
/// </summary>
internal readonly record struct DisplayPlane(Vector3D CenterMm, Vector3D Right, Vector3D Down, double MmPerPixel, int Width, int Height)
{
    /// <summary>LPS point at a continuous pixel position.</summary>
    public Vector3D ToPatient(double x, double y) =>
        CenterMm + (Right * ((x - (Width / 2.0)) * MmPerPixel)) + (Down * ((y - (Height / 2.0)) * MmPerPixel));

    /// <summary>Continuous pixel position of an LPS point projected onto the plane.</summary>
    public (double X, double Y) ToPixel(Vector3D pointMm)
    {
        var d = pointMm - CenterMm;
        return ((d.Dot(Right) / MmPerPixel) + (Width / 2.0), (d.Dot(Down) / MmPerPixel) + (Height / 2.0));
    }

    /// <summary>
    /// The plane of slice <paramref name="sliceNormal"/> seen the radiological way: patient right on the image's left
    /// (pixel x grows towards patient left, +x in LPS) and anterior up (pixel y grows towards posterior, +y).
    /// </summary>
    public static DisplayPlane Axial(Vector3D centerMm, Vector3D sliceNormal, double fieldOfViewMm, int sizePx)
    {
        var normal = sliceNormal.Normalized();
        var right = (Vector3D.UnitX - (normal * Vector3D.UnitX.Dot(normal))).Normalized();
        var down = normal.Cross(right).Normalized();
        if (down.Y < 0)
        {
            down *= -1;
        }

        return new DisplayPlane(centerMm, right, down, fieldOfViewMm / sizePx, sizePx, sizePx);
    }
}
