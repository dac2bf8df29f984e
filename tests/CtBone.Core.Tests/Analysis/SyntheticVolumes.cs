using CtBone.Core.Volumes;

namespace CtBone.Core.Tests.Analysis;

/// <summary>Volumes built in code for cases the lumbar phantom does not make.</summary>
internal static class SyntheticVolumes
{
    /// <summary>
    /// A head CT: an ellipsoidal skull (6 mm of 1000 HU bone) around 35 HU brain, in air; 128² at 1.8 mm, 5 mm slices.
    /// No spine anywhere.
    /// </summary>
    public static CtVolume Head(int slices = 32)
    {
        const int size = 128;
        const double pixel = 1.8;
        const double spacing = 5;
        var geometry = new VolumeGeometry(size, size, slices, pixel, pixel, spacing, new Vector3D(-115, -115, 0), Vector3D.UnitX, Vector3D.UnitY, Vector3D.UnitZ);
        var hu = new short[geometry.VoxelCount];
        var centreZ = (slices - 1) * spacing / 2;
        for (var k = 0; k < slices; k++)
        {
            for (var j = 0; j < size; j++)
            {
                for (var i = 0; i < size; i++)
                {
                    var p = geometry.ToPatient(i, j, k);
                    var r = Math.Sqrt((p.X * p.X / (90.0 * 90)) + (p.Y * p.Y / (105.0 * 105)) + ((p.Z - centreZ) * (p.Z - centreZ) / (85.0 * 85)));
                    hu[((k * size) + j) * size + i] = r switch
                    {
                        < 0.93 => 35,
                        <= 1.0 => 1000,
                        _ => -1000,
                    };
                }
            }
        }

        return new CtVolume(geometry, hu);
    }

    /// <summary>The same anatomy stored with rows and columns reversed: voxels mirrored, direction cosines negated.</summary>
    public static CtVolume MirrorRowsAndColumns(CtVolume volume)
    {
        var g = volume.Geometry;
        var mirrored = g with
        {
            OriginMm = g.ToPatient(g.Columns - 1, g.Rows - 1, 0),
            RowDirection = g.RowDirection * -1,
            ColumnDirection = g.ColumnDirection * -1,
        };
        var hu = new short[volume.Hu.Length];
        for (var k = 0; k < g.Slices; k++)
        {
            for (var j = 0; j < g.Rows; j++)
            {
                for (var i = 0; i < g.Columns; i++)
                {
                    hu[((k * g.Rows) + j) * g.Columns + i] = volume[g.Columns - 1 - i, g.Rows - 1 - j, k];
                }
            }
        }

        return new CtVolume(mirrored, hu);
    }
}
