using CtBone.Core.Series;
using CtBone.Core.Volumes;
using CtBone.Dicom.Tests.TestSupport;
using CtBone.TestSupport;

namespace CtBone.Dicom.Tests.Reading;

/// <summary>
/// <see cref="StudyLoader"/> in process, on synthetic series written byte by byte (TestSupport/SyntheticCtSeries):
/// ordering, rescale, duplicates, patient orientation, tilt, stray sizes and patient age.
/// </summary>
public sealed class StudyLoaderTests : IDisposable
{
    private readonly TempFolder _folder = new("ctbone-loader");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Load_WhenFileNamesAndInstanceNumbersAreShuffled_OrdersSlicesByPosition()
    {
        // Names and InstanceNumbers each follow their own permutation, neither the positions' order.
        var names = Permutation(20, seed: 1);
        var instances = Permutation(20, seed: 2);
        var slices = SyntheticCtSeries.Write(_folder.Path, new SyntheticSeriesSpec
        {
            FileName = k => $"IMG{names[k]:0000}",
            InstanceNumber = k => instances[k] + 1,
        });

        var result = Load();

        Assert.Equal(StudyLoadStatus.Loaded, result.Status);
        AssertVolumeIs(slices, result);
        Assert.Equal(slices[0].Position, result.Geometry!.OriginMm);
        Assert.Equal(2.5, result.Geometry.SliceSpacingMm, 6);
    }

    public static TheoryData<int, int, double, double> Encodings => new()
    {
        { 1, 16, 1, -1024 },
        { 1, 16, 1, 0 },
        { 0, 12, 1, -1024 },
        { 0, 16, 0.5, -1024 },
        { 0, 16, 1, -2048 },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Load_WhenPixelRepresentationAndRescaleVary_GivesTheSameHu(int pixelRepresentation, int bitsStored, double slope, double intercept)
    {
        var slices = SyntheticCtSeries.Write(_folder.Path, new SyntheticSeriesSpec
        {
            PixelRepresentation = pixelRepresentation,
            BitsStored = bitsStored,
            RescaleSlope = slope,
            RescaleIntercept = intercept,
        });

        var result = Load();

        Assert.Equal(StudyLoadStatus.Loaded, result.Status);
        AssertVolumeIs(slices, result);
    }

    [Fact]
    public void Load_WhenTwoFilesHoldTheSameSopInstance_IgnoresTheCopyWithAWarning()
    {
        var slices = SyntheticCtSeries.Write(_folder.Path);
        var copy = _folder.File("copy-of-slice-7");
        File.Copy(slices[7].FilePath, copy);

        var result = Load();

        Assert.Equal(StudyLoadStatus.Loaded, result.Status);
        Assert.Equal(20, result.Geometry!.Slices);
        AssertVolumeIs(slices, result);
        Assert.Contains(result.Warnings, w => w.Contains("ignored 1 duplicate file(s) of the same SOP instance", StringComparison.Ordinal));
        var skipped = Assert.Single(result.SkippedFiles, s => s.Reason.Contains("duplicate of SOP instance", StringComparison.Ordinal));
        Assert.Contains(skipped.FilePath, new[] { copy, slices[7].FilePath });
    }

    [Fact]
    public void Load_WhenFeetFirstWithSlicesWrittenHeadToFoot_KIncreasesTowardTheHead()
    {
        // FFS: ImageOrientationPatient -1\0\0\0\1\0, so RowDirection × ColumnDirection points to the feet (-z);
        // the scanner wrote the first slice at the top.
        var spec = new SyntheticSeriesSpec
        {
            RowDirection = new Vector3D(-1, 0, 0),
            ColumnDirection = Vector3D.UnitY,
            Position = k => new Vector3D(12.8, -12.8, 100 - (k * 2.5)),
        };
        var slices = SyntheticCtSeries.Write(_folder.Path, spec);

        var result = Load();

        Assert.Equal(StudyLoadStatus.Loaded, result.Status);
        var geometry = result.Geometry!;
        Assert.Equal(new Vector3D(0, 0, 1), geometry.SliceDirection);
        Assert.Equal(slices[^1].Position, geometry.OriginMm);
        Assert.Equal(new Vector3D(-1, 0, 0), geometry.RowDirection);
        for (var k = 0; k < geometry.Slices; k++)
        {
            Assert.Equal(slices[^(k + 1)].Hu, result.Volume!.Slice(k).ToArray());
            Assert.Equal(slices[^(k + 1)].Position.Z, geometry.ToPatient(0, 0, k).Z, 6);
        }
    }

    [Fact]
    public void Load_WhenPositionsAreShearedByGantryTilt_WarnsAndFollowsTheTrueSliceDirection()
    {
        // A 15° tilt about the x axis: each slice moves 2.5 mm up and 2.5·tan 15° mm forward, with axial orientation.
        var shear = Math.Tan(15 * Math.PI / 180);
        var slices = SyntheticCtSeries.Write(_folder.Path, new SyntheticSeriesSpec
        {
            Position = k => new Vector3D(-12.8, -12.8 + (k * 2.5 * shear), -100 + (k * 2.5)),
            GantryDetectorTiltDegrees = 15,
        });

        var result = Load();

        Assert.Equal(StudyLoadStatus.Loaded, result.Status);
        Assert.Contains(result.Warnings, w => w.Contains("gantry tilt of 15°, GantryDetectorTilt 15°", StringComparison.Ordinal));
        var geometry = result.Geometry!;
        var travel = (slices[^1].Position - slices[0].Position).Normalized();
        Assert.True((geometry.SliceDirection - travel).Length < 1e-6, $"slice direction {geometry.SliceDirection}, travel {travel}");
        Assert.Equal(2.5 / Math.Cos(15 * Math.PI / 180), geometry.SliceSpacingMm, 4);
        Assert.True((geometry.ToPatient(0, 0, 19) - slices[19].Position).Length < 1e-3);
        AssertVolumeIs(slices, result);
    }

    [Fact]
    public void Load_WhenOneSliceHasADifferentSize_DropsItWithAWarningAndFillsItsPlace()
    {
        var slices = SyntheticCtSeries.Write(_folder.Path);
        File.Delete(slices[9].FilePath);
        var stray = SyntheticCtSeries.Write(_folder.Path, new SyntheticSeriesSpec
        {
            Slices = 1,
            Rows = 40,
            Columns = 40,
            Position = _ => slices[9].Position,
            FileName = _ => "stray.dcm",
            SeriesInstanceUid = new SyntheticSeriesSpec().SeriesInstanceUid,
            Hu = (_, i, j) => SyntheticSeriesSpec.DefaultHu(9, i, j),
        })[0];

        var result = Load();

        Assert.Equal(StudyLoadStatus.Loaded, result.Status);
        Assert.Contains(result.Warnings, w => w.Contains("dropped 1 image(s) whose size or orientation differs", StringComparison.Ordinal));
        Assert.Contains(result.SkippedFiles, s => s.FilePath == stray.FilePath && s.Reason.Contains("size or orientation differs", StringComparison.Ordinal));
        Assert.Equal([9], result.InterpolatedSlices);

        // The default HU is linear in k, so the slice interpolated between 8 and 10 is exactly slice 9's.
        AssertVolumeIs(slices, result);
    }

    public static TheoryData<string?, string?, string?, double?, string?> Ages => new()
    {
        { "067Y", null, "20240305", 67, "PatientAge" },
        { "018M", null, "20240305", 1.5, "PatientAge" },
        { null, "19500615", "20240305", 73, "PatientBirthDate and StudyDate" },
        { null, "19500305", "20240305", 74, "PatientBirthDate and StudyDate" },
        { null, null, "20240305", null, null },
        { null, "19500615", null, null, null },
    };

    [Theory]
    [MemberData(nameof(Ages))]
    public void Load_WhenAgeComesFromPatientAgeOrDates_ReportsItOrLeavesItMissing(string? patientAge, string? birthDate, string? studyDate, double? years, string? source)
    {
        SyntheticCtSeries.Write(_folder.Path, new SyntheticSeriesSpec
        {
            PatientAge = patientAge,
            PatientBirthDate = Date(birthDate),
            StudyDate = Date(studyDate),
        });

        var result = Load();

        Assert.Equal(StudyLoadStatus.Loaded, result.Status);
        var age = result.Acquisition!.PatientAge;
        if (years is null)
        {
            Assert.Null(age);
        }
        else
        {
            Assert.NotNull(age);
            Assert.Equal(years.Value, age.Years, 6);
            Assert.Equal(source, age.Source);
        }
    }

    private StudyLoadResult Load() => new StudyLoader().Load(_folder.Path);

    private static DateOnly? Date(string? text) =>
        text is null ? null : DateOnly.ParseExact(text, "yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);

    private static int[] Permutation(int count, int seed)
    {
        var values = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(values);
        return values;
    }

    /// <summary>Slice k of the volume holds exactly the HU written for the k-th slice from the feet.</summary>
    private static void AssertVolumeIs(IReadOnlyList<SyntheticSlice> slices, StudyLoadResult result)
    {
        var ordered = slices.OrderBy(s => s.Position.Z).ToList();
        Assert.NotNull(result.Volume);
        Assert.Equal(ordered.Count, result.Geometry!.Slices);
        for (var k = 0; k < ordered.Count; k++)
        {
            Assert.True(result.Volume.Slice(k).SequenceEqual(ordered[k].Hu), $"slice {k} differs from the one written at z = {ordered[k].Position.Z}");
        }
    }
}
