using CtBone.Core.Analysis;
using CtBone.Core.Volumes;

namespace CtBone.Imaging.Tests;

/// <summary>
/// A small CT built in code, 128 × 128 × 40 voxels of 1 × 1 × 2.5 mm centred on the LPS origin, k from feet to head
/// (z = −48.75 … +48.75 mm). What it holds, in patient mm:
/// a body (soft tissue, 40 HU) of radius 60 in air; a vertebra: a cortical ring (800 HU) of radii 14–17 about
/// (0, 10) with trabecular bone (150 HU) inside, along the whole z extent; a rod at patient left (30, 10), radius 4
/// (1500 HU), everywhere; a rod in front (0, −30), radius 4 (1500 HU), only above z = 0; a ball at (0, 45, 0), radius 8
/// (1200 HU); and a rod at (40, 45), radius 3 (1500 HU), for the curved reformat.
/// </summary>
internal static class SyntheticSpine
{
    public const int Columns = 128;
    public const int Rows = 128;
    public const int Slices = 40;
    public const double SliceSpacingMm = 2.5;
    public const double BodyHu = 40;
    public const double TrabecularHu = 150;
    public static readonly Vector3D VertebraCentre = new(0, 10, 0);
    public static readonly Vector3D LeftRod = new(30, 10, 0);
    public static readonly Vector3D AnteriorRod = new(0, -30, 0);
    public static readonly Vector3D Ball = new(0, 45, 0);
    public const double BallRadiusMm = 8;
    public static readonly Vector3D OffMidlineRod = new(40, 45, 0);

    /// <summary>The volume, stored with rows and columns in either direction; the anatomy stays where it is in patient space.</summary>
    public static CtVolume Volume(bool flipRows = false, bool flipColumns = false)
    {
        var rowDirection = flipRows ? new Vector3D(-1, 0, 0) : Vector3D.UnitX;
        var columnDirection = flipColumns ? new Vector3D(0, -1, 0) : Vector3D.UnitY;
        var origin = (rowDirection * (-(Columns - 1) / 2.0)) + (columnDirection * (-(Rows - 1) / 2.0)) + (Vector3D.UnitZ * SliceZ(0));
        var geometry = new VolumeGeometry(Columns, Rows, Slices, 1, 1, SliceSpacingMm, origin, rowDirection, columnDirection, Vector3D.UnitZ);
        var hu = new short[geometry.VoxelCount];
        for (var k = 0; k < Slices; k++)
        {
            for (var j = 0; j < Rows; j++)
            {
                for (var i = 0; i < Columns; i++)
                {
                    hu[((k * Rows) + j) * Columns + i] = (short)HuAt(geometry.ToPatient(i, j, k));
                }
            }
        }

        return new CtVolume(geometry, hu);
    }

    public static double SliceZ(int k) => (k - ((Slices - 1) / 2.0)) * SliceSpacingMm;

    /// <summary>An L1 with an elliptic ROI (12 mm along patient left-right, 8 mm front-back) on slices 18–22 about the vertebra's centre.</summary>
    public static LevelFinding Level(string name = "L1", int midSlice = 20, double meanHu = 148) => new()
    {
        Level = name,
        MeanHu = meanHu,
        SdHu = 21,
        MedianHu = 147,
        AreaMm2 = 301,
        VoxelCount = 1505,
        CenterMm = At(midSlice),
        Confidence = 0.9,
        Roi = new RoiGeometry
        {
            SemiAxisMajorMm = 12,
            SemiAxisMinorMm = 8,
            MajorAxis = [1, 0, 0],
            MidSlice = midSlice,
            Slices = Enumerable.Range(midSlice - 2, 5).ToList(),
            SliceCentersMm = Enumerable.Range(midSlice - 2, 5).Select(At).ToList(),
        },
    };

    public static double[] At(int k) => [VertebraCentre.X, VertebraCentre.Y, SliceZ(k)];

    private static double HuAt(Vector3D p)
    {
        if (Within(p, LeftRod, 4) || (p.Z > 0 && Within(p, AnteriorRod, 4)) || Within(p, OffMidlineRod, 3))
        {
            return 1500;
        }

        if ((p - Ball).Length <= BallRadiusMm)
        {
            return 1200;
        }

        var fromVertebra = Math.Sqrt(Square(p.X - VertebraCentre.X) + Square(p.Y - VertebraCentre.Y));
        return fromVertebra switch
        {
            < 14 => TrabecularHu,
            <= 17 => 800,
            _ => Math.Sqrt(Square(p.X) + Square(p.Y)) <= 60 ? BodyHu : -1000,
        };
    }

    private static bool Within(Vector3D p, Vector3D axis, double radius) => Square(p.X - axis.X) + Square(p.Y - axis.Y) <= radius * radius;

    private static double Square(double v) => v * v;
}
