using CtBone.Core.Phantoms;
using CtBone.Core.Volumes;

namespace CtBone.Core.Tests.Phantoms;

/// <summary>Reads a generated volume the way a test needs: at LPS points, and over a vertebra's truth ROI.</summary>
internal static class PhantomProbe
{
    /// <summary>Small, quick phantoms: 256² at 1.4 mm, 2 mm slices, moderate noise. Tests override what they test.</summary>
    public static PhantomOptions Small(string preset = "standard") => PhantomPresets.Get(preset) with
    {
        MatrixSize = 256,
        PixelSpacingMm = 1.4,
        SliceThicknessMm = 2,
        SliceSpacingMm = 2,
        NoiseSdHu = 8,
    };

    public static Vector3D Point(double[] lps) => new(lps[0], lps[1], lps[2]);

    /// <summary>HU of the voxel nearest to an LPS point; null outside the volume.</summary>
    public static short? At(CtVolume volume, Vector3D lps)
    {
        var g = volume.Geometry;
        var (i, j, k) = g.ToVoxel(lps);
        var (ii, jj, kk) = ((int)Math.Round(i), (int)Math.Round(j), (int)Math.Round(k));
        return ii < 0 || jj < 0 || kk < 0 || ii >= g.Columns || jj >= g.Rows || kk >= g.Slices ? null : volume[ii, jj, kk];
    }

    /// <summary>Mean HU of the voxels within <paramref name="radiusVoxels"/> voxels (a cube) of an LPS point.</summary>
    public static double MeanAround(CtVolume volume, Vector3D lps, int radiusVoxels = 1)
    {
        var g = volume.Geometry;
        var (i, j, k) = g.ToVoxel(lps);
        var (ci, cj, ck) = ((int)Math.Round(i), (int)Math.Round(j), (int)Math.Round(k));
        double sum = 0;
        var count = 0;
        for (var dk = -radiusVoxels; dk <= radiusVoxels; dk++)
        {
            for (var dj = -radiusVoxels; dj <= radiusVoxels; dj++)
            {
                for (var di = -radiusVoxels; di <= radiusVoxels; di++)
                {
                    sum += volume[ci + di, cj + dj, ck + dk];
                    count++;
                }
            }
        }

        return sum / count;
    }

    /// <summary>Mean HU and count of the voxels whose centres fall inside a vertebra's truth ROI (an elliptic cylinder).</summary>
    public static (double Mean, int Count) RoiMean(CtVolume volume, VertebraTruth vertebra)
    {
        var g = volume.Geometry;
        var centre = Point(vertebra.RoiCenterMm);
        var left = Point(vertebra.LeftAxis);
        var anterior = Point(vertebra.AnteriorAxis);
        var superior = Point(vertebra.SuperiorAxis);
        var half = vertebra.RoiHalfAxesMm;
        var reach = half.Max();
        var (ci, cj, ck) = g.ToVoxel(centre);
        var ri = (int)Math.Ceiling(reach / g.ColumnSpacingMm) + 1;
        var rj = (int)Math.Ceiling(reach / g.RowSpacingMm) + 1;
        var rk = (int)Math.Ceiling(reach / g.SliceSpacingMm) + 1;
        double sum = 0;
        var count = 0;
        for (var k = (int)ck - rk; k <= (int)ck + rk; k++)
        {
            for (var j = (int)cj - rj; j <= (int)cj + rj; j++)
            {
                for (var i = (int)ci - ri; i <= (int)ci + ri; i++)
                {
                    if (i < 0 || j < 0 || k < 0 || i >= g.Columns || j >= g.Rows || k >= g.Slices)
                    {
                        continue;
                    }

                    var d = g.ToPatient(i, j, k) - centre;
                    var u = d.Dot(left) / half[0];
                    var a = d.Dot(anterior) / half[1];
                    var w = d.Dot(superior);
                    if ((u * u) + (a * a) <= 1 && Math.Abs(w) <= half[2])
                    {
                        sum += volume[i, j, k];
                        count++;
                    }
                }
            }
        }

        return (count == 0 ? double.NaN : sum / count, count);
    }
}
