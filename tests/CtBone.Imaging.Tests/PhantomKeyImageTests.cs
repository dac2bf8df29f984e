using CtBone.Core.Analysis;
using CtBone.Core.Phantoms;
using CtBone.Core.Screening;
using CtBone.Core.Spine;
using CtBone.Core.Volumes;

namespace CtBone.Imaging.Tests;

/// <summary>
/// Key images of the lumbar phantom, whose anatomy comes from another generator with its own geometry code: the ROI
/// centre drawn by the renderer must land on the trabecular bone the phantom put there, head first and feet first.
/// Set CTBONE_KEYIMAGES_SAMPLE_DIR to keep the images of the head-first run for looking at.
/// </summary>
public sealed class PhantomKeyImageTests
{
    private static PhantomStudy Generate(PatientPosition position) => LumbarPhantom.Generate(PhantomPresets.Get("osteopenic") with
    {
        MatrixSize = 256,
        PixelSpacingMm = 1.4,
        SliceThicknessMm = 2.5,
        SliceSpacingMm = 2.5,
        NoiseSdHu = 8,
        PatientPosition = position,
        CoverageFromLevel = "T12",
        ScrewLevels = ["L4"],
        Fracture = new VertebralFracture("L2", FractureGrade.Moderate),
    });

    /// <summary>What a correct analysis would report: the phantom's truth ROI, with screw levels excluded.</summary>
    private static Findings FindingsOf(PhantomStudy study)
    {
        var volume = study.Primary.Volume;
        var levels = study.Truth.Vertebrae.Where(v => !v.IsSacral && v.CoverageFraction >= 1).Select(v => Level(volume.Geometry, v)).ToList();
        return new Findings
        {
            Status = AnalysisStatus.Completed,
            SeriesInstanceUid = study.Truth.PrimarySeriesInstanceUid,
            AlgorithmVersion = "ctbone-spine 0.1.0 (phantom truth)",
            Vertebrae = levels,
            Screening = new ScreeningResult { Category = ScreeningCategory.Osteopenia, LevelUsed = "L1", Hu = study.Truth.Level("L1")!.TrabecularHu },
        };
    }

    private static LevelFinding Level(VolumeGeometry geometry, VertebraTruth v)
    {
        var centre = new Vector3D(v.RoiCenterMm[0], v.RoiCenterMm[1], v.RoiCenterMm[2]);
        var superior = new Vector3D(v.SuperiorAxis[0], v.SuperiorAxis[1], v.SuperiorAxis[2]);
        var mid = (int)Math.Round(geometry.ToVoxel(centre).K);
        var halfSlices = (int)Math.Floor(v.RoiHalfAxesMm[2] / geometry.SliceSpacingMm);
        var slices = Enumerable.Range(mid - halfSlices, (2 * halfSlices) + 1).ToList();
        Vector3D OnSlice(int k) => centre + (superior * ((geometry.ToPatient(0, 0, k).Z - centre.Z) / superior.Z));
        var flags = new List<string>();
        if (v.HasScrew)
        {
            flags.Add(LevelFlags.Metal);
        }

        if (v.FractureGrade != FractureGrade.None)
        {
            flags.Add(LevelFlags.Fracture);
        }

        return new LevelFinding
        {
            Level = v.Level,
            MeanHu = v.TrabecularHu,
            SdHu = 14,
            AreaMm2 = Math.PI * v.RoiHalfAxesMm[0] * v.RoiHalfAxesMm[1],
            CenterMm = OnSlice(mid).ToArray(),
            Confidence = 0.95,
            Excluded = v.HasScrew,
            ExclusionReason = v.HasScrew ? "metal artefact from pedicle screws in the ROI" : null,
            Flags = flags,
            FractureGrade = v.FractureGrade == FractureGrade.None ? null : v.FractureGrade,
            Roi = new RoiGeometry
            {
                SemiAxisMajorMm = v.RoiHalfAxesMm[0],
                SemiAxisMinorMm = v.RoiHalfAxesMm[1],
                MajorAxis = v.LeftAxis,
                MidSlice = mid,
                Slices = slices,
                SliceCentersMm = slices.Select(k => OnSlice(k).ToArray()).ToList(),
            },
        };
    }

    [Theory]
    [InlineData(PatientPosition.Hfs)]
    [InlineData(PatientPosition.Ffs)]
    public async Task WriteAsync_WhenPhantomTruthIsTheFinding_RoiCentreSitsOnTrabecularBone(PatientPosition position)
    {
        var study = Generate(position);
        var findings = FindingsOf(study);
        var sampleDirectory = Environment.GetEnvironmentVariable("CTBONE_KEYIMAGES_SAMPLE_DIR");
        var keep = position == PatientPosition.Hfs && !string.IsNullOrEmpty(sampleDirectory);
        var directory = keep ? sampleDirectory! : Path.Combine(Path.GetTempPath(), $"ctbone-phantom-keyimages-{Guid.NewGuid():N}");
        try
        {
            var paths = await KeyImageRenderer.WriteAsync(study.Primary.Volume, findings, directory, new KeyImageOptions(), CancellationToken.None);

            Assert.Equal(findings.Vertebrae.Count + 1, paths.Count);
            // Screw levels are left out: their streaks are meant to spoil the ROI.
            foreach (var (level, path) in findings.Vertebrae.Zip(paths).Where(p => !p.First.Excluded))
            {
                var image = DecodedImage.Decode(await File.ReadAllBytesAsync(path));
                var centreY = AxialKeyImage.HeaderPx + 320;
                var grey = image.MeanGrey(316, centreY - 4, 325, centreY + 5);
                var expected = (level.MeanHu!.Value + 450) / 1500 * 255;
                Assert.True(Math.Abs(grey - expected) < 8, $"{level.Level}: grey {grey:0} at the ROI centre, expected about {expected:0}");
                Assert.True(image.Count(0, AxialKeyImage.HeaderPx, 640, AxialKeyImage.HeaderPx + 640, DecodedImage.Like(KeyImagePalette.Roi)) > 100, $"{level.Level}: no outline");
            }
        }
        finally
        {
            if (!keep)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
