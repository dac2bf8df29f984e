using CtBone.Core.Phantoms;
using CtBone.Core.Volumes;

namespace CtBone.Core.Tests.Phantoms;

/// <summary>One standard phantom, generated once for the anatomy checks below.</summary>
public sealed class StandardPhantomFixture
{
    public StandardPhantomFixture()
    {
        Options = PhantomProbe.Small() with { Extras = ExtraSeries.Localizer | ExtraSeries.SagittalReformat | ExtraSeries.ThickAxial };
        Study = LumbarPhantom.Generate(Options);
    }

    public PhantomOptions Options { get; }

    public PhantomStudy Study { get; }
}

public sealed class PhantomAnatomyTests(StandardPhantomFixture fixture) : IClassFixture<StandardPhantomFixture>
{
    private static readonly string[] s_growingLevels = ["T10", "T11", "T12", "L1", "L2", "L3", "L4"];

    private CtVolume Volume => fixture.Study.Primary.Volume;

    private PhantomTruth Truth => fixture.Study.Truth;

    [Theory]
    [InlineData("T12")]
    [InlineData("L1")]
    [InlineData("L2")]
    [InlineData("L3")]
    [InlineData("L4")]
    public void Generate_WhenTruthRoiIsMeasured_MeanMatchesTruthWithinNoise(string level)
    {
        var vertebra = Truth.Level(level)!;

        var (mean, count) = PhantomProbe.RoiMean(Volume, vertebra);

        // Noise SD 8 HU over about 60–100 correlated voxels leaves the mean within about ±3 HU; texture is in the truth.
        Assert.True(count > 40, $"{level}: only {count} voxels in the ROI");
        Assert.InRange(mean, vertebra.TrabecularHu - 4, vertebra.TrabecularHu + 4);
    }

    [Theory]
    [InlineData("L1")]
    [InlineData("L3")]
    public void Generate_WhenSampledAtTruthBodyCentre_ReadsTrabecularBone(string level)
    {
        var vertebra = Truth.Level(level)!;

        var mean = PhantomProbe.MeanAround(Volume, PhantomProbe.Point(vertebra.CenterMm));

        // One 3×3×3 neighbourhood: the texture (±15 HU) is local there, plus the noise of 27 correlated voxels.
        Assert.InRange(mean, vertebra.TrabecularHu - fixture.Options.TrabecularTextureHu - 8, vertebra.TrabecularHu + fixture.Options.TrabecularTextureHu + 8);
    }

    [Theory]
    [InlineData(0, -108)]
    [InlineData(148, 0)]
    [InlineData(-148, 0)]
    [InlineData(0, 99)]
    public void Generate_WhenSampledUnderTheSkin_FindsSubcutaneousFat(double x, double y)
    {
        var z = Truth.Level("L3")!.CenterMm[2];

        var mean = PhantomProbe.MeanAround(Volume, new Vector3D(x, y, z));

        Assert.InRange(mean, Truth.ReferenceTissuesHu.SubcutaneousFat - 10, Truth.ReferenceTissuesHu.SubcutaneousFat + 10);
    }

    [Fact]
    public void Generate_WhenSampledInFrontOfTheBody_FindsAir()
    {
        var z = Truth.Level("L3")!.CenterMm[2];

        var mean = PhantomProbe.MeanAround(Volume, new Vector3D(0, -150, z));

        Assert.InRange(mean, -1010, -990);
    }

    [Fact]
    public void Generate_WhenSampledBetweenTwoBodies_FindsDisc()
    {
        var upper = PhantomProbe.Point(Truth.Level("L2")!.InferiorEndplateCenterMm);
        var lower = PhantomProbe.Point(Truth.Level("L3")!.SuperiorEndplateCenterMm);

        var mean = PhantomProbe.MeanAround(Volume, (upper + lower) * 0.5);

        Assert.InRange(mean, 50, 120);
    }

    [Fact]
    public void Generate_WhenStandard_ModelsT9ToS1WithRibsOnThoracicLevelsOnly()
    {
        string[] expected = ["T9", "T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5", "S1"];

        Assert.Equal(expected, Truth.Vertebrae.Select(v => v.Level));
        Assert.All(Truth.Vertebrae, v => Assert.Equal(v.Level.StartsWith('T'), v.HasRibs));
        Assert.Equal("T12", Truth.LastRibBearingLevel);
        Assert.Equal(1, Truth.Level("L5")!.PresacralIndex);
        Assert.Equal(5, Truth.Level("L1")!.PresacralIndex);
    }

    [Fact]
    public void Generate_WhenStandard_BodiesGrowCaudallyAndFollowLordosis()
    {
        var heights = s_growingLevels.Select(l => Truth.Level(l)!.BodyHeightMm).ToList();
        var l3 = Truth.Level("L3")!;
        var l1 = Truth.Level("L1")!;
        var l5 = Truth.Level("L5")!;

        Assert.Equal(heights.Order(), heights);
        Assert.InRange(heights[0], 20, 23);
        Assert.InRange(heights[^1], 26, 30);

        // Lordosis: the mid-lumbar body lies in front of (smaller y than) L1 and L5.
        Assert.True(l3.CenterMm[1] < l1.CenterMm[1] && l3.CenterMm[1] < l5.CenterMm[1]);
    }

    [Fact]
    public void Generate_WhenStandard_RibHeadsAreBone()
    {
        var t12 = Truth.Level("T12")!;

        Assert.Equal(2, t12.RibHeadsMm.Count);
        Assert.All(t12.RibHeadsMm, head => Assert.True(PhantomProbe.MeanAround(Volume, PhantomProbe.Point(head), 0) > 130, "no rib marrow at the rib head"));
    }

    [Fact]
    public void Generate_WhenExtrasRequested_AddsLocalizerReformatAndThickSeries()
    {
        var series = fixture.Study.Series;
        var localizer = series.Single(s => s.Attributes.Kind == SeriesKind.Localizer);
        var sagittal = series.Single(s => s.Attributes.Kind == SeriesKind.SagittalReformat);
        var thick = series.Single(s => s.Attributes.Kind == SeriesKind.ThickAxial);

        Assert.Equal(1, localizer.Volume.Geometry.Slices);
        Assert.Equal(["ORIGINAL", "PRIMARY", "LOCALIZER"], localizer.Attributes.ImageType);
        Assert.Equal(90, localizer.Volume.Geometry.SliceNormal.AxisAngleDegrees(Vector3D.UnitZ), 3);
        Assert.Equal(["DERIVED", "SECONDARY", "REFORMATTED"], sagittal.Attributes.ImageType);
        Assert.Equal(0, sagittal.Volume.Geometry.SliceNormal.AxisAngleDegrees(Vector3D.UnitX), 3);
        Assert.Equal(5, thick.Volume.Geometry.SliceSpacingMm);
        Assert.Equal(5, thick.Attributes.SliceThicknessMm);
        Assert.Equal(series.Count, series.Select(s => s.Attributes.SeriesInstanceUid).Distinct().Count());
        Assert.All(series, s => Assert.Equal(fixture.Study.Primary.Attributes.FrameOfReferenceUid, s.Attributes.FrameOfReferenceUid));
        Assert.Equal(fixture.Study.Primary.Attributes.SeriesInstanceUid, Truth.PrimarySeriesInstanceUid);
    }

    [Fact]
    public void Generate_WhenReformatted_SagittalAgreesWithPrimaryAtTheSamePoint()
    {
        var sagittal = fixture.Study.Series.Single(s => s.Attributes.Kind == SeriesKind.SagittalReformat).Volume;
        var centre = PhantomProbe.Point(Truth.Level("L2")!.CenterMm);

        var fromSagittal = PhantomProbe.MeanAround(sagittal, centre);
        var fromPrimary = PhantomProbe.MeanAround(Volume, centre);

        Assert.InRange(fromSagittal - fromPrimary, -15, 15);
    }

    [Fact]
    public void Truth_WhenSerialised_RoundTripsThroughJson()
    {
        var json = Truth.ToJson();

        var back = PhantomTruth.FromJson(json);

        Assert.Equal(Truth.StudyInstanceUid, back.StudyInstanceUid);
        Assert.Equal(Truth.Vertebrae.Select(v => (v.Level, v.TrabecularHu)), back.Vertebrae.Select(v => (v.Level, v.TrabecularHu)));
        Assert.Equal(Truth.Options.Seed, back.Options.Seed);
        Assert.Contains("\"trabecularHu\"", json, StringComparison.Ordinal);
        Assert.Contains("\"primaryAxial\"", json, StringComparison.Ordinal);
        Assert.Equal(json, back.ToJson());
    }
}
