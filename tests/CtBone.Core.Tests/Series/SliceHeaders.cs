using CtBone.Core.Series;
using CtBone.Core.Volumes;

namespace CtBone.Core.Tests.Series;

/// <summary>Headers of synthetic axial CT series, for tests that need no files.</summary>
internal static class SliceHeaders
{
    public static List<SliceHeader> Axial(
        int count,
        double spacingMm = 2.5,
        string series = "1.2.3.1",
        double startZ = -200,
        Vector3D? row = null,
        Vector3D? column = null,
        Func<int, Vector3D>? position = null,
        Func<SliceHeader, SliceHeader>? change = null)
    {
        var list = new List<SliceHeader>();
        for (var i = 0; i < count; i++)
        {
            var header = new SliceHeader
            {
                FilePath = $"/in/{series}/{i:D4}",
                SopInstanceUid = $"{series}.{i}",
                SopClassUid = "1.2.840.10008.5.1.4.1.1.2",
                StudyInstanceUid = "1.2.3",
                SeriesInstanceUid = series,
                TransferSyntaxUid = "1.2.840.10008.1.2.1",
                Modality = "CT",
                ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"],
                Rows = 64,
                Columns = 64,
                BitsAllocated = 16,
                BitsStored = 16,
                PixelSpacingMm = (0.8, 0.8),
                RowDirection = row ?? Vector3D.UnitX,
                ColumnDirection = column ?? Vector3D.UnitY,
                ImagePositionPatient = position?.Invoke(i) ?? new Vector3D(-25, -25, startZ + (i * spacingMm)),
                SliceThicknessMm = spacingMm,
                InstanceNumber = i + 1,
                SeriesNumber = 2,
                SeriesDescription = "Abdomen",
                ConvolutionKernel = "B30f",
            };
            list.Add(change is null ? header : change(header));
        }

        return list;
    }
}
