using CtBone.Core.Phantoms;
using CtBone.Core.Volumes;
using CtBone.Core.Series;
using CtBone.Core.Spine;

namespace CtBone.Core.Tests.Phantoms;

public sealed class PhantomVariantTests
{
    private static readonly string[] s_coveredLevels = ["T12", "L1", "L2", "L3"];

    [Theory]
    [InlineData(11, "T11")]
    [InlineData(12, "T12")]
    [InlineData(13, "T13")]
    public void Generate_WhenRibPairsVary_LastRibBearingLevelFollows(int ribPairs, string lastRibLevel)
    {
        var options = PhantomProbe.Small() with { RibPairs = ribPairs, CoverageFromLevel = "T10", CoverageToLevel = "L2" };

        var study = LumbarPhantom.Generate(options);

        var truth = study.Truth;
        var levels = truth.Vertebrae.Select(v => v.Level).ToList();
        var last = truth.Level(lastRibLevel)!;
        var below = truth.Vertebrae[levels.IndexOf(lastRibLevel) + 1];
        Assert.Equal(lastRibLevel, truth.LastRibBearingLevel);

        // The model starts at T9, so the rib-bearing vertebrae in it are the pairs beyond the eighth.
        Assert.Equal(ribPairs - 8, truth.Vertebrae.Count(v => v.HasRibs));
        Assert.Equal(ribPairs == 13, levels.Contains("T13"));
        Assert.False(below.HasRibs);
        Assert.Empty(below.RibHeadsMm);

        // In the image: rib marrow (180 HU) where the last rib meets its body, soft tissue at the same place beside the next body down.
        var volume = study.Primary.Volume;
        Assert.All(last.RibHeadsMm, head => Assert.True(PhantomProbe.MeanAround(volume, PhantomProbe.Point(head), 0) > 130, $"no rib head at {lastRibLevel}"));
        foreach (var side in (double[])[1, -1])
        {
            var place = RibHeadPlace(below, side);
            Assert.True(PhantomProbe.MeanAround(volume, place, 0) < 130, $"bone beside {below.Level} where a rib head would be");
        }
    }

    [Fact]
    public void Generate_WhenSixLumbar_AddsL6AboveTheSacrum()
    {
        var options = PhantomProbe.Small() with { LumbarVertebrae = 6, CoverageFromLevel = "L4", CoverageToLevel = "S1" };

        var truth = LumbarPhantom.Generate(options).Truth;

        var l6 = truth.Level("L6")!;
        Assert.Equal(1, l6.PresacralIndex);
        Assert.Equal(2, truth.Level("L5")!.PresacralIndex);
        Assert.True(truth.Level("S1")!.CenterMm[2] < l6.CenterMm[2]);
        Assert.Equal("T12", truth.LastRibBearingLevel);
        Assert.Equal(1, truth.Level("L6")!.CoverageFraction);
    }

    [Fact]
    public void Generate_WhenFeetFirst_DrawsTheSameAnatomyInReverseSliceOrder()
    {
        var hfsOptions = PhantomProbe.Small() with { CoverageFromLevel = "L1", CoverageToLevel = "L2" };
        var hfs = LumbarPhantom.Generate(hfsOptions);
        var ffs = LumbarPhantom.Generate(hfsOptions with { PatientPosition = PatientPosition.Ffs });

        var h = hfs.Primary.Volume;
        var f = ffs.Primary.Volume;
        var n = h.Geometry.Slices;
        Assert.Equal(n, f.Geometry.Slices);
        Assert.Equal(-1, h.Geometry.SliceDirection.Z);
        Assert.Equal(1, f.Geometry.SliceDirection.Z);
        Assert.Equal(h.Geometry.RowDirection, f.Geometry.RowDirection);
        Assert.Equal(h.Geometry.ColumnDirection, f.Geometry.ColumnDirection);
        Assert.Equal(h.Geometry.ToPatient(0, 0, n - 1).Z, f.Geometry.OriginMm.Z, 6);
        for (var k = 0; k < n; k++)
        {
            Assert.True(f.Slice(k).SequenceEqual(h.Slice(n - 1 - k)), $"FFS slice {k} differs from HFS slice {n - 1 - k}");
        }

        var centre = PhantomProbe.Point(hfs.Truth.Level("L1")!.CenterMm);
        Assert.Equal(PhantomProbe.At(h, centre), PhantomProbe.At(f, centre));
        Assert.Equal(hfs.Truth.Vertebrae.Select(v => v.CenterMm), ffs.Truth.Vertebrae.Select(v => v.CenterMm));
        Assert.Equal("FFS", ffs.Primary.Attributes.PatientPosition);
        Assert.Equal(PatientPosition.Ffs, ffs.Truth.PatientPosition);
    }

    [Fact]
    public void Generate_WhenScrewsArePlaced_ScrewShaftsHoldMetal()
    {
        var options = PhantomProbe.Small() with { ScrewLevels = ["L4", "L5"], CoverageFromLevel = "L3", CoverageToLevel = "S1" };

        var study = LumbarPhantom.Generate(options);

        var truth = study.Truth;
        Assert.Equal(4, truth.Screws.Count);
        Assert.Equal(["L4", "L5"], truth.Vertebrae.Where(v => v.HasScrew).Select(v => v.Level));
        foreach (var screw in truth.Screws)
        {
            var middle = (PhantomProbe.Point(screw.EntryMm) + PhantomProbe.Point(screw.TipMm)) * 0.5;
            Assert.True(PhantomProbe.At(study.Primary.Volume, middle) >= 3000, $"{screw.Level} {screw.Side}: no metal mid-shaft");
        }
    }

    [Fact]
    public void Generate_WhenStoredAsUnsigned12Bit_MetalClipsAtTheTopOfTheRange()
    {
        var encoding = new StorageEncoding { IsSigned = false, BitsStored = 12, RescaleIntercept = -1024 };
        var options = PhantomProbe.Small() with { ScrewLevels = ["L4"], CoverageFromLevel = "L4", CoverageToLevel = "L4", Encoding = encoding };

        var volume = LumbarPhantom.Generate(options).Primary.Volume;

        Assert.Equal(3071, volume.Hu.Max());
        Assert.True(volume.Hu.Min() >= -1024);
    }

    [Fact]
    public void Generate_WhenFractured_AnteriorHeightShrinksByTheGradeFraction()
    {
        var options = PhantomProbe.Small() with
        {
            SliceThicknessMm = 1,
            SliceSpacingMm = 1,
            NoiseSdHu = 0,
            TrabecularTextureHu = 0,
            Fracture = new VertebralFracture("L1", FractureGrade.Moderate),
            CoverageFromLevel = "T12",
            CoverageToLevel = "L2",
        };

        var study = LumbarPhantom.Generate(options);

        var l1 = study.Truth.Level("L1")!;
        var height = l1.BodyHeightMm;
        const double loss = 0.32;
        Assert.Equal(FractureGrade.Moderate, l1.FractureGrade);
        Assert.Equal(height * (1 - loss), l1.AnteriorHeightMm, 2);
        Assert.Equal(height * (1 - (loss / 2)), l1.MiddleHeightMm, 2);
        Assert.Equal(height, l1.PosteriorHeightMm, 2);
        Assert.Equal(FractureGrade.Moderate, VertebralFracture.GradeOf(1 - (l1.AnteriorHeightMm / l1.PosteriorHeightMm)));
        Assert.Equal(FractureGrade.None, study.Truth.Level("L2")!.FractureGrade);

        // In the image: the bone column measured 60% of the way to the front is 80% of the loss shorter than the intact height.
        var front = BoneRunAlongAxis(study.Primary.Volume, l1, -0.6);
        var back = BoneRunAlongAxis(study.Primary.Volume, l1, 0.6);
        Assert.InRange(front, (height * (1 - (0.8 * loss))) - 3, (height * (1 - (0.8 * loss))) + 2);
        Assert.InRange(back, (height * (1 - (0.2 * loss))) - 3, (height * (1 - (0.2 * loss))) + 2);
    }

    [Fact]
    public void Generate_WhenCoverageIsPartial_FieldOfViewSpansTheLevels()
    {
        var options = PhantomProbe.Small() with { CoverageFromLevel = "T12", CoverageToLevel = "L3", Contrast = ContrastPhase.PortalVenous };

        var study = LumbarPhantom.Generate(options);

        var truth = study.Truth;
        var (bottom, top) = (truth.FieldOfViewZMm[0], truth.FieldOfViewZMm[1]);
        var t12Top = truth.Level("T12")!.SuperiorEndplateCenterMm[2];
        var l3Bottom = truth.Level("L3")!.InferiorEndplateCenterMm[2];
        Assert.InRange(top - t12Top, 0, 5.1);
        Assert.InRange(l3Bottom - bottom, 0, 5 + options.SliceSpacingMm);
        Assert.Equal((int)Math.Round((top - bottom) / options.SliceSpacingMm) + 1, study.Primary.Volume.Geometry.Slices);
        Assert.All(s_coveredLevels, l => Assert.Equal(1, truth.Level(l)!.CoverageFraction));
        Assert.Equal(0, truth.Level("T10")!.CoverageFraction);
        Assert.Equal(0, truth.Level("L5")!.CoverageFraction);
    }

    [Fact]
    public void Generate_WhenSeedIsTheSame_OutputIsIdentical()
    {
        var options = PhantomProbe.Small() with { Seed = 7, CoverageFromLevel = "L2", CoverageToLevel = "L2" };

        var first = LumbarPhantom.Generate(options);
        var second = LumbarPhantom.Generate(options);
        var other = LumbarPhantom.Generate(options with { Seed = 8 });

        Assert.Equal(first.Primary.Volume.Hu, second.Primary.Volume.Hu);
        Assert.Equal(first.Truth.ToJson(), second.Truth.ToJson());
        Assert.Equal(first.Primary.Attributes.SopInstanceUids, second.Primary.Attributes.SopInstanceUids);
        Assert.NotEqual(first.Primary.Volume.Hu, other.Primary.Volume.Hu);
        Assert.NotEqual(first.Truth.StudyInstanceUid, other.Truth.StudyInstanceUid);
    }

    [Fact]
    public void Generate_WhenPortalVenous_BoneAndBloodEnhance()
    {
        var options = PhantomProbe.Small() with { CoverageFromLevel = "L1", CoverageToLevel = "L3" };

        var plain = LumbarPhantom.Generate(options);
        var portal = LumbarPhantom.Generate(options with { Contrast = ContrastPhase.PortalVenous });

        var truthGain = portal.Truth.Level("L2")!.TrabecularHu - plain.Truth.Level("L2")!.TrabecularHu;
        var measuredGain = PhantomProbe.RoiMean(portal.Primary.Volume, portal.Truth.Level("L2")!).Mean
            - PhantomProbe.RoiMean(plain.Primary.Volume, plain.Truth.Level("L2")!).Mean;
        Assert.Equal(26, truthGain, 6);
        Assert.InRange(measuredGain, 20, 32);
        Assert.Equal(180, portal.Truth.ReferenceTissuesHu.AortaBlood);
        Assert.Equal(40, plain.Truth.ReferenceTissuesHu.AortaBlood);
        Assert.NotNull(portal.Primary.Attributes.ContrastBolusAgent);
        Assert.Null(plain.Primary.Attributes.ContrastBolusAgent);
    }

    [Fact]
    public void Generate_WhenScoliotic_CurvesTowardsTheLeftAndRotatesTheApex()
    {
        var options = PhantomProbe.Small() with { ScoliosisDegrees = 20, CoverageFromLevel = "L1", CoverageToLevel = "L2" };

        var truth = LumbarPhantom.Generate(options).Truth;

        static double LateralTilt(VertebraTruth v) => Math.Atan2(v.SuperiorAxis[0], v.SuperiorAxis[2]) * 180 / Math.PI;
        Assert.InRange(LateralTilt(truth.Level("L4")!) - LateralTilt(truth.Level("T11")!), 18.5, 21.5);
        Assert.True(truth.Level("L2")!.CenterMm[0] > 8, "the apex should sit towards patient left");
        Assert.True(truth.Level("L2")!.AxialRotationDegrees > 4);
        Assert.Equal(0, truth.Level("S1")!.CenterMm[0], 1);
    }

    [Fact]
    public void Generate_WhenOsteoporoticPreset_L1ReadsNear75Hu()
    {
        var options = PhantomProbe.Small("osteoporotic") with { CoverageFromLevel = "L1", CoverageToLevel = "L1" };

        var study = LumbarPhantom.Generate(options);

        var l1 = study.Truth.Level("L1")!;
        Assert.InRange(l1.TrabecularHu, 70, 80);
        Assert.InRange(PhantomProbe.RoiMean(study.Primary.Volume, l1).Mean, 66, 84);
    }

    [Theory]
    [InlineData(14, 5, null)]
    [InlineData(12, 7, null)]
    [InlineData(12, 5, "L6")]
    public void Validate_WhenOptionsAreOutOfRange_Throws(int ribs, int lumbar, string? screw)
    {
        var options = new PhantomOptions { RibPairs = ribs, LumbarVertebrae = lumbar, ScrewLevels = screw is null ? [] : [screw] };

        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Fact]
    public void Generate_WhenContrastExtraOnAnEnhancedPrimary_Throws()
    {
        var options = PhantomProbe.Small() with { Contrast = ContrastPhase.Arterial, Extras = ExtraSeries.ContrastAxial };

        Assert.Throws<ArgumentException>(() => LumbarPhantom.Generate(options));
    }

    /// <summary>Where a rib head would meet a body (its posterolateral upper part), from the truth's axes.</summary>
    private static Vector3D RibHeadPlace(VertebraTruth v, double side) =>
        PhantomProbe.Point(v.CenterMm)
        + (PhantomProbe.Point(v.LeftAxis) * (side * ((v.BodyWidthMm / 2) + 2)))
        - (PhantomProbe.Point(v.AnteriorAxis) * (0.45 * v.BodyDepthMm / 2))
        + (PhantomProbe.Point(v.SuperiorAxis) * (0.3 * v.MiddleHeightMm));

    /// <summary>
    /// Length of the run of bone (above 130 HU, between disc at 80 and trabecular bone at 180) along the body axis, through a
    /// point <paramref name="depthFraction"/> of the half depth towards the back (negative: towards the front), 40% of the half width to the left.
    /// </summary>
    private static double BoneRunAlongAxis(CtVolume volume, VertebraTruth v, double depthFraction)
    {
        const double step = 0.25;
        // A little off the midline, away from the basivertebral vein.
        var start = PhantomProbe.Point(v.CenterMm)
            - (PhantomProbe.Point(v.AnteriorAxis) * (depthFraction * v.BodyDepthMm / 2))
            + (PhantomProbe.Point(v.LeftAxis) * (0.4 * v.BodyWidthMm / 2));
        var axis = PhantomProbe.Point(v.SuperiorAxis);
        bool Bone(double t) => Trilinear(volume, start + (axis * t)) > 130;
        double up = 0, down = 0;
        while (Bone(up + step) && up < 40)
        {
            up += step;
        }

        while (Bone(-(down + step)) && down < 40)
        {
            down += step;
        }

        return up + down;
    }

    private static double Trilinear(CtVolume volume, Vector3D lps)
    {
        var (i, j, k) = volume.Geometry.ToVoxel(lps);
        var (i0, j0, k0) = ((int)Math.Floor(i), (int)Math.Floor(j), (int)Math.Floor(k));
        var (fi, fj, fk) = (i - i0, j - j0, k - k0);
        double value = 0;
        for (var dk = 0; dk <= 1; dk++)
        {
            for (var dj = 0; dj <= 1; dj++)
            {
                for (var di = 0; di <= 1; di++)
                {
                    var w = (di == 1 ? fi : 1 - fi) * (dj == 1 ? fj : 1 - fj) * (dk == 1 ? fk : 1 - fk);
                    value += w * volume[i0 + di, j0 + dj, k0 + dk];
                }
            }
        }

        return value;
    }
}
