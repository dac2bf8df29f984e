using CtBone.Core.Phantoms;
using CtBone.Core.Series;
using CtBone.Dicom.Isolation;
using CtBone.Dicom.Tests.TestSupport;
using CtBone.Dicom.Writing;
using CtBone.TestSupport;

namespace CtBone.Dicom.Tests.RoundTrip;

/// <summary>A phantom study written through GDCM and read back by the ingest path: the volume that comes back is the one generated.</summary>
public class PhantomRoundTripTests
{
    private static PhantomStudy SmallStudy(PixelTransferSyntax syntax, PatientPosition position, StorageEncoding? encoding = null) => LumbarPhantom.Generate(new PhantomOptions
    {
        MatrixSize = 96,
        PixelSpacingMm = 3.6,
        SliceThicknessMm = 3,
        SliceSpacingMm = 3,
        PatientPosition = position,
        Extras = ExtraSeries.Localizer | ExtraSeries.SagittalReformat | ExtraSeries.ThickAxial,
        Encoding = (encoding ?? new StorageEncoding()) with { TransferSyntax = syntax },
        Seed = 3,
    });

    [Theory]
    [InlineData(PixelTransferSyntax.ExplicitVrLittleEndian, PatientPosition.Hfs)]
    [InlineData(PixelTransferSyntax.JpegLsLossless, PatientPosition.Ffs)]
    [InlineData(PixelTransferSyntax.Jpeg2000Lossless, PatientPosition.Hfs)]
    [InlineData(PixelTransferSyntax.RleLossless, PatientPosition.Ffs)]
    public async Task LoadAsync_WhenPhantomStudyIsWrittenLossless_ChoosesThePrimarySeriesAndReturnsItsVoxelsExactly(PixelTransferSyntax syntax, PatientPosition position)
    {
        var study = SmallStudy(syntax, position);
        using var folder = new TempFolder();
        PhantomStudyWriter.Write(study, folder.Path, new PhantomWriteOptions { Naming = DicomFileNaming.Random }, CancellationToken.None);

        var result = await new IsolatedStudyLoader().LoadAsync(folder.Path, CancellationToken.None);

        Assert.Equal(StudyLoadStatus.Loaded, result.Status);
        var primary = study.Primary;
        Assert.Equal(primary.Attributes.SeriesInstanceUid, result.SeriesInstanceUid);
        Assert.Equal(4, result.Series.Count);
        Assert.Single(result.Series, s => s.Chosen);

        // The loader runs k from feet to head; the generator may store FFS slices the other way round.
        var expected = primary.Volume;
        var loaded = result.Volume!;
        var g = expected.Geometry;
        Assert.Equal((g.Columns, g.Rows, g.Slices), (loaded.Geometry.Columns, loaded.Geometry.Rows, loaded.Geometry.Slices));
        for (var k = 0; k < g.Slices; k++)
        {
            var centre = g.ToPatient(g.Columns / 2.0, g.Rows / 2.0, k);
            var (_, _, lk) = loaded.Geometry.ToVoxel(centre);
            var kLoaded = (int)Math.Round(lk);
            Assert.InRange(Math.Abs(lk - kLoaded), 0, 1e-3);
            Assert.True(expected.Slice(k).SequenceEqual(loaded.Slice(kLoaded)) || SameAfterFlip(expected, k, loaded, kLoaded), $"slice {k} differs");
        }
    }

    [Fact]
    public void Load_WhenStoredUnsignedWithSlopeAndIntercept_ReturnsTheRepresentableHu()
    {
        var encoding = new StorageEncoding { IsSigned = false, RescaleSlope = 0.5, RescaleIntercept = -1024 };
        var study = SmallStudy(PixelTransferSyntax.ExplicitVrLittleEndian, PatientPosition.Hfs, encoding);
        using var folder = new TempFolder();
        PhantomStudyWriter.Write(study, folder.Path, new PhantomWriteOptions(), CancellationToken.None);

        var result = new StudyLoader().Load(folder.Path);

        // The generator stores an HFS series head to feet; the loader runs feet to head: match slices by position.
        var generated = study.Primary.Volume;
        var loaded = result.Volume!;
        var g = generated.Geometry;
        for (var k = 0; k < g.Slices; k++)
        {
            var (_, _, lk) = loaded.Geometry.ToVoxel(g.ToPatient(0, 0, k));
            var expected = generated.Slice(k).ToArray().Select(h => encoding.Representable(h)).ToArray();
            Assert.Equal(expected, loaded.Slice((int)Math.Round(lk)).ToArray());
        }
    }

    private static bool SameAfterFlip(Core.Volumes.CtVolume expected, int k, Core.Volumes.CtVolume loaded, int kLoaded)
    {
        // Same slice content in patient space when one volume's rows run right-to-left: compare voxel by LPS position.
        var g = expected.Geometry;
        for (var j = 0; j < g.Rows; j += 7)
        {
            for (var i = 0; i < g.Columns; i += 7)
            {
                var p = g.ToPatient(i, j, k);
                var (li, lj, _) = loaded.Geometry.ToVoxel(p);
                if (expected[i, j, k] != loaded[(int)Math.Round(li), (int)Math.Round(lj), kLoaded])
                {
                    return false;
                }
            }
        }

        return true;
    }
}
