using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CtBone.Core.Volumes;
using CtBone.Core.Series;
using CtBone.Core.Spine;

namespace CtBone.Core.Phantoms;

/// <summary>
/// Synthesises a lumbar CT study with known truth: a modelled adult trunk from T9 to the sacrum, drawn as axial CT series
/// (and optional localizer, reformat, thick and contrast series).
/// </summary>
/// <remarks>
/// Patient position. The model lives in DICOM patient coordinates (LPS), so HFS and FFS draw the same anatomy at the same
/// LPS points. What FFS changes is the acquisition: the table enters feet first, so the scan, InstanceNumber and slice index
/// k run from the feet towards the head (ImagePositionPatient z rises with k) instead of head to feet. The axial image plane
/// keeps ImageOrientationPatient 1\0\0\0\1\0 in both, as scanners reorient feet-first reconstructions to the radiological
/// view (patient left on the image right, anterior at the top): the detector sees the patient mirrored left-right and
/// rotated end for end, and the reconstruction undoes that, so the stored rows and columns are the same as for HFS.
/// </remarks>
public static class LumbarPhantom
{
    private const double ThickSliceMm = 5;
    private const double DefaultTopMarginMm = 8;
    private const double DefaultBottomBelowS1Mm = 45;
    private const double CoverageMarginMm = 5;

    public static PhantomStudy Generate(PhantomOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Extras.HasFlag(ExtraSeries.ContrastAxial) && options.Contrast != ContrastPhase.None)
        {
            throw new ArgumentException("The extra contrast series is portal venous; the primary series must then be unenhanced.", nameof(options));
        }

        var scene = new PhantomScene(options);
        var uids = new Uids(JsonSerializer.Serialize(options, CtBoneJson.Options));
        var grid = PrimaryGrid(scene);
        var hu = TissueHu.For(options.Contrast, options);
        var common = CommonAttributes(options, uids);

        var series = new List<PhantomSeries>();
        var primaryVolume = AxialRenderer.Render(scene, grid, hu, options.NoiseSdHu, 1, options.Encoding, options.PatientPosition, cancellationToken);
        var primary = Attributes(common, uids, "primary", SeriesKind.PrimaryAxial, 2, grid.SliceCount) with
        {
            SeriesDescription = Description(options.SliceThicknessMm, options.ConvolutionKernel, options.Contrast),
            SeriesTime = new TimeOnly(10, 16, 10),
            ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"],
            ContrastBolusAgent = Agent(options.Contrast),
            ContrastBolusRoute = options.Contrast == ContrastPhase.None ? null : "IV",
            SliceThicknessMm = options.SliceThicknessMm,
            SpacingBetweenSlicesMm = options.SliceThicknessMm != options.SliceSpacingMm ? options.SliceSpacingMm : null,
        };
        series.Add(new PhantomSeries(primaryVolume, primary));

        if (options.Extras.HasFlag(ExtraSeries.Localizer))
        {
            var localizer = DerivedSeriesRenderer.Localizer(scene, hu, grid.TopZ, grid.BottomZ, cancellationToken);
            var window = DerivedSeriesRenderer.DisplayWindow(localizer);
            series.Add(new PhantomSeries(localizer, Attributes(common, uids, "localizer", SeriesKind.Localizer, 1, 1) with
            {
                SeriesDescription = "Scout AP",
                SeriesTime = new TimeOnly(10, 15, 30),
                ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"],
                ConvolutionKernel = null,
                SliceThicknessMm = null,
                ReconstructionDiameterMm = null,
                RescaleType = "US",
                WindowCenter = window.Centre,
                WindowWidth = window.Width,
                Encoding = options.Encoding with { IsSigned = false, BitsStored = 12, RescaleSlope = 1, RescaleIntercept = 0 },
            }));
        }

        if (options.Extras.HasFlag(ExtraSeries.ThickAxial))
        {
            var count = (int)Math.Floor((grid.TopZ - grid.BottomZ) / ThickSliceMm) + 1;
            var thickGrid = grid with { SliceCount = count, SpacingMm = ThickSliceMm, ThicknessMm = ThickSliceMm };
            var noise = options.NoiseSdHu * Math.Sqrt(options.SliceThicknessMm / ThickSliceMm);
            var volume = AxialRenderer.Render(scene, thickGrid, hu, noise, 2, options.Encoding, options.PatientPosition, cancellationToken);
            series.Add(new PhantomSeries(volume, Attributes(common, uids, "thick", SeriesKind.ThickAxial, 3, count) with
            {
                SeriesDescription = Description(ThickSliceMm, options.ConvolutionKernel, options.Contrast),
                SeriesTime = new TimeOnly(10, 17, 0),
                ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"],
                ContrastBolusAgent = Agent(options.Contrast),
                ContrastBolusRoute = options.Contrast == ContrastPhase.None ? null : "IV",
                SliceThicknessMm = ThickSliceMm,
            }));
        }

        if (options.Extras.HasFlag(ExtraSeries.ContrastAxial))
        {
            var portal = TissueHu.For(ContrastPhase.PortalVenous, options);
            var volume = AxialRenderer.Render(scene, grid, portal, options.NoiseSdHu, 3, options.Encoding, options.PatientPosition, cancellationToken);
            series.Add(new PhantomSeries(volume, Attributes(common, uids, "contrast", SeriesKind.ContrastAxial, 4, grid.SliceCount) with
            {
                SeriesDescription = Description(options.SliceThicknessMm, options.ConvolutionKernel, ContrastPhase.PortalVenous),
                SeriesTime = new TimeOnly(10, 18, 20),
                ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"],
                ContrastBolusAgent = Agent(ContrastPhase.PortalVenous),
                ContrastBolusRoute = "IV",
                SliceThicknessMm = options.SliceThicknessMm,
            }));
        }

        if (options.Extras.HasFlag(ExtraSeries.SagittalReformat))
        {
            const double slabMm = 2;
            var spineX = scene.Spine["L3"].Frame.Origin.X;
            var volume = DerivedSeriesRenderer.SagittalReformat(primaryVolume, options.PatientPosition, spineX, 40, slabMm, options.Encoding);
            series.Add(new PhantomSeries(volume, Attributes(common, uids, "sagittal", SeriesKind.SagittalReformat, 5, volume.Geometry.Slices) with
            {
                SeriesDescription = "Sag MPR 2.0 Spine",
                SeriesTime = new TimeOnly(10, 19, 0),
                ImageType = ["DERIVED", "SECONDARY", "REFORMATTED"],
                ContrastBolusAgent = Agent(options.Contrast),
                ContrastBolusRoute = options.Contrast == ContrastPhase.None ? null : "IV",
                SliceThicknessMm = slabMm,
                SpacingBetweenSlicesMm = slabMm,
                WindowCenter = 400,
                WindowWidth = 1800,
            }));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var truth = Truth(scene, grid, hu, primary, series);
        return new PhantomStudy(series, truth);
    }

    private static AxialGrid PrimaryGrid(PhantomScene scene)
    {
        var options = scene.Options;
        var spine = scene.Spine;
        double top, bottom;
        if (options.CoverageFromLevel is { } from)
        {
            var v = spine[SpineLevels.Normalize(from)];
            top = v.Frame.ToPatient(0, 0, v.Top(0)).Z + CoverageMarginMm;
        }
        else
        {
            var t10 = spine["T10"];
            top = t10.Frame.ToPatient(0, 0, t10.Top(0)).Z + DefaultTopMarginMm;
        }

        if (options.CoverageToLevel is { } to)
        {
            var v = spine[SpineLevels.Normalize(to)];
            bottom = v.Frame.ToPatient(0, 0, v.Bottom).Z - CoverageMarginMm;
        }
        else
        {
            var s1 = spine["S1"];
            bottom = s1.Frame.ToPatient(0, 0, s1.Top(0)).Z - DefaultBottomBelowS1Mm;
        }

        // Table positions are whole tenths of a millimetre on real scanners; rounding keeps the written DS values short.
        top = Math.Round(top, 1);
        var count = (int)Math.Floor(((top - bottom) / options.SliceSpacingMm) + 1e-9) + 1;
        return new AxialGrid(options.MatrixSize, options.PixelSpacingMm, top, count, options.SliceSpacingMm, options.SliceThicknessMm);
    }

    private static string Description(double thicknessMm, string kernel, ContrastPhase phase) =>
        string.Create(CultureInfo.InvariantCulture, $"Abdomen {thicknessMm:0.0#} {kernel}{phase switch
        {
            ContrastPhase.Arterial => " ART",
            ContrastPhase.PortalVenous => " PV",
            _ => "",
        }}");

    private static string? Agent(ContrastPhase phase) => phase == ContrastPhase.None ? null : "IOHEXOL 350";

    private static SeriesAttributes CommonAttributes(PhantomOptions options, Uids uids)
    {
        var name = new string([.. options.Name.ToUpperInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
        DateOnly? birth = options.PatientAgeYears is { } age ? options.StudyDate.AddYears(-age).AddDays(-100) : null;
        return new SeriesAttributes
        {
            Kind = SeriesKind.PrimaryAxial,
            PatientName = $"PHANTOM^{name}",
            PatientId = string.Create(CultureInfo.InvariantCulture, $"PH-{name}-{options.Seed}"),
            PatientBirthDate = birth,
            PatientSex = options.PatientSex,
            PatientAge = options.PatientAgeYears is { } years && options.WritePatientAge ? string.Create(CultureInfo.InvariantCulture, $"{years:000}Y") : null,
            StudyInstanceUid = uids.For("study"),
            StudyDate = options.StudyDate,
            StudyTime = new TimeOnly(10, 15, 0),
            StudyDescription = "CT ABDOMEN PELVIS",
            AccessionNumber = "PH" + uids.For("accession")[^12..],
            SeriesInstanceUid = "",
            SeriesNumber = 0,
            SeriesDescription = "",
            SeriesTime = new TimeOnly(10, 15, 0),
            PatientPosition = options.PatientPosition == PatientPosition.Hfs ? "HFS" : "FFS",
            FrameOfReferenceUid = uids.For("frame-of-reference"),
            ImageType = [],
            KvP = options.KvP,
            ConvolutionKernel = options.ConvolutionKernel,
            Manufacturer = options.Manufacturer,
            ManufacturerModelName = options.ManufacturerModelName,
            ReconstructionDiameterMm = Math.Round(options.MatrixSize * options.PixelSpacingMm, 1),
            XRayTubeCurrentMa = 180,
            Encoding = options.Encoding,
            SopInstanceUids = [],
        };
    }

    private static SeriesAttributes Attributes(SeriesAttributes common, Uids uids, string role, SeriesKind kind, int number, int images) => common with
    {
        Kind = kind,
        SeriesInstanceUid = uids.For("series:" + role),
        SeriesNumber = number,
        SopInstanceUids = [.. Enumerable.Range(0, images).Select(k => uids.For(string.Create(CultureInfo.InvariantCulture, $"sop:{role}:{k}")))],
    };

    private static PhantomTruth Truth(PhantomScene scene, AxialGrid grid, TissueHu hu, SeriesAttributes primary, List<PhantomSeries> series)
    {
        var options = scene.Options;
        var low = grid.BottomZ - (grid.SpacingMm / 2);
        var high = grid.TopZ + (grid.SpacingMm / 2);
        var fracture = options.Fracture is { } f ? SpineLevels.Normalize(f.Level) : null;
        var vertebrae = new List<VertebraTruth>();
        foreach (var v in scene.Spine.Vertebrae.Where(v => !v.IsSacral || v.Level == "S1"))
        {
            var f0 = v.Frame;
            var superior = f0.ToPatient(0, 0, v.Top(0));
            var inferior = f0.ToPatient(0, 0, v.Bottom);
            var zMin = Math.Min(superior.Z, inferior.Z);
            var zMax = Math.Max(superior.Z, inferior.Z);
            var coverage = Math.Clamp((Math.Min(zMax, high) - Math.Max(zMin, low)) / (zMax - zMin), 0, 1);
            var roi = v.Roi;
            vertebrae.Add(new VertebraTruth
            {
                Level = v.Level,
                PresacralIndex = v.PresacralIndex,
                IsSacral = v.IsSacral,
                TrabecularHu = Math.Round(scene.TruthTrabecularHu(v, hu.TrabecularContrastOffset), 2),
                UnenhancedTrabecularHu = v.UnenhancedTrabecularHu,
                CorticalHu = hu.CorticalBone,
                CenterMm = Round(f0.Origin),
                SuperiorEndplateCenterMm = Round(superior),
                InferiorEndplateCenterMm = Round(inferior),
                SuperiorAxis = Round(f0.W, 5),
                AnteriorAxis = Round(f0.V * -1, 5),
                LeftAxis = Round(f0.U, 5),
                AxialRotationDegrees = Math.Round(v.AxialRotationDegrees, 2),
                BodyHeightMm = v.Height,
                AnteriorHeightMm = Math.Round(v.Top(-v.HalfDepth) - v.Bottom, 2),
                MiddleHeightMm = Math.Round(v.Top(0) - v.Bottom, 2),
                PosteriorHeightMm = Math.Round(v.Top(v.HalfDepth) - v.Bottom, 2),
                BodyWidthMm = 2 * v.HalfWidth,
                BodyDepthMm = 2 * v.HalfDepth,
                HasRibs = v.HasRibs,
                RibHeadsMm = [.. v.RibHeads.Select(p => Round(p))],
                HasScrew = v.HasScrews,
                FractureGrade = v.Level == fracture ? options.Fracture!.Grade : FractureGrade.None,
                HeightLossFraction = v.HeightLoss,
                CoverageFraction = Math.Round(coverage, 3),
                RoiCenterMm = Round(f0.ToPatient(0, roi.CentreV, 0)),
                RoiHalfAxesMm = [Math.Round(roi.HalfU, 2), Math.Round(roi.HalfV, 2), Math.Round(roi.HalfW, 2)],
            });
        }

        var s1 = scene.Spine["S1"];
        return new PhantomTruth
        {
            Options = options,
            StudyInstanceUid = primary.StudyInstanceUid,
            PrimarySeriesInstanceUid = primary.SeriesInstanceUid,
            Series = [.. series.Select(s => SeriesTruthOf(s, options))],
            PatientPosition = options.PatientPosition,
            ContrastPhase = options.Contrast,
            RibPairs = options.RibPairs,
            LumbarVertebrae = options.LumbarVertebrae,
            LastRibBearingLevel = scene.Spine.Vertebrae.Last(v => v.HasRibs).Level,
            FieldOfViewZMm = [Math.Round(grid.BottomZ, 3), Math.Round(grid.TopZ, 3)],
            ReferenceTissuesHu = hu.ToReference(),
            TrabecularContrastOffsetHu = hu.TrabecularContrastOffset,
            NoiseSdHu = options.NoiseSdHu,
            Vertebrae = vertebrae,
            Screws = [.. scene.Spine.Screws.Select(s => new ScrewTruth(s.Level, s.Side, Round(s.Entry), Round(s.Tip), 2 * ScrewModel.ShaftRadiusMm))],
            SacrumTopCenterMm = Round(s1.Frame.ToPatient(0, 0, s1.Top(0))),
            IliacCrestZMm = Math.Round(scene.Trunk.IliacCrestZ, 2),
        };
    }

    private static SeriesTruth SeriesTruthOf(PhantomSeries s, PhantomOptions options)
    {
        var a = s.Attributes;
        var g = s.Volume.Geometry;
        return new SeriesTruth
        {
            SeriesInstanceUid = a.SeriesInstanceUid,
            SeriesNumber = a.SeriesNumber,
            Kind = a.Kind,
            IsPrimary = a.Kind == SeriesKind.PrimaryAxial,
            SeriesDescription = a.SeriesDescription,
            ImageType = a.ImageType,
            ImageCount = g.Slices,
            SliceThicknessMm = a.SliceThicknessMm,
            SliceSpacingMm = a.Kind == SeriesKind.Localizer ? 0 : g.SliceSpacingMm,
            PixelSpacingMm = [g.RowSpacingMm, g.ColumnSpacingMm],
            ContrastPhase = a.Kind == SeriesKind.ContrastAxial ? ContrastPhase.PortalVenous : options.Contrast,
            TransferSyntax = a.Encoding.TransferSyntax,
            IsLossy = a.Encoding.TransferSyntax.IsLossy(),
        };
    }

    private static double[] Round(Vector3D p, int digits = 3) => [Math.Round(p.X, digits), Math.Round(p.Y, digits), Math.Round(p.Z, digits)];

    /// <summary>
    /// UIDs under the UUID-derived root 2.25 (PS3.5 B.2): the first 128 bits of SHA-256 over the options and a role, so the
    /// same options and seed give the same UIDs, and any other options give other UIDs.
    /// </summary>
    private sealed class Uids(string optionsKey)
    {
        public string For(string role)
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(optionsKey + "|" + role));
            var value = new BigInteger(hash.AsSpan(0, 16), isUnsigned: true);
            return "2.25." + value.ToString(CultureInfo.InvariantCulture);
        }
    }
}
