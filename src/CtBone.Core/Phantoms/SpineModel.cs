using CtBone.Core.Volumes;

namespace CtBone.Core.Phantoms;

/// <summary>
/// Size of each vertebra. Body heights, widths and depths are adult means rounded from morphometric series (bodies grow
/// from about 21 mm high at T10 to 28 mm at L4–L5; lumbar discs 8–12 mm, thickest at L4–L5); processes are coarse.
/// </summary>
internal readonly record struct LevelDimensions(
    double HeightMm,
    double WidthMm,
    double DepthMm,
    double DiscBelowMm,
    double TransverseLengthMm,
    double SpinousLengthMm,
    double SpinousSlopeDegrees,
    double RibLengthMm)
{
    public static LevelDimensions Of(string level, bool lowestPresacral) => level switch
    {
        "T9" => new(20, 32, 26, 5.5, 28, 35, 45, 300),
        "T10" => new(21, 34, 27, 5.5, 27, 34, 40, 270),
        "T11" => new(22, 37, 28, 6.0, 24, 33, 30, 200),
        "T12" => new(23.5, 40, 30, 7.0, 20, 32, 20, 130),
        "T13" => new(24.5, 42, 30.5, 7.5, 18, 31, 12, 70),
        "L1" => new(25, 43, 31, 8.5, 16, 30, 5, 0),
        "L2" => new(26.5, 45, 32.5, 9.5, 21, 30, 3, 0),
        "L3" => new(27.5, 48, 33.5, 10.5, 27, 30, 0, 0),
        "L4" => new(28, 50, 34, 11.5, 24, 28, 0, 0),
        "L5" => new(28, 52, 34, lowestPresacral ? 10.5 : 11, 22, 24, -5, 0),
        "L6" => new(28, 52, 34, 10.5, 22, 24, -5, 0),
        "S1" => new(28, 50, 33, 0, 0, 0, 0, 0),
        "S2" => new(22, 40, 24, 0, 0, 0, 0, 0),
        "S3" => new(18, 30, 18, 0, 0, 0, 0, 0),
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, null),
    };
}

/// <summary>One vertebral body with its posterior elements, in its own frame (origin at the body centre).</summary>
internal sealed class VertebraModel
{
    private const double VeinRadiusMm = 2.0;
    private const double VeinBranchRadiusMm = 1.6;

    public required string Level { get; init; }

    public required int PresacralIndex { get; init; }

    public required bool IsSacral { get; init; }

    public required Frame Frame { get; init; }

    public required double AxialRotationDegrees { get; init; }

    /// <summary>Half width A and half depth B of the body.</summary>
    public required double HalfWidth { get; init; }

    public required double HalfDepth { get; init; }

    /// <summary>Intact height H.</summary>
    public required double Height { get; init; }

    /// <summary>Anterior height loss fraction f: the superior endplate drops by f·H at the front and not at all at the back.</summary>
    public required double HeightLoss { get; init; }

    public required double DiscAboveMm { get; init; }

    public required double DiscBelowMm { get; init; }

    public required double UnenhancedTrabecularHu { get; init; }

    public required double CorticalThicknessMm { get; init; }

    public required bool HasRibs { get; init; }

    public required bool HasScrews { get; init; }

    public required double CanalHalfWidth { get; init; }

    public required double CanalHalfDepth { get; init; }

    public required LevelDimensions Dimensions { get; init; }

    public double MiddleHeight => Height * (1 - (HeightLoss / 2));

    public double CanalCentreV => HalfDepth + 2 + CanalHalfDepth;

    public double PedicleRadius => IsThoracic ? 3.5 : Level == "L5" || Level == "L6" ? 5.5 : 4.5;

    public double PedicleW => 0.12 * MiddleHeight;

    public bool IsThoracic => Level.StartsWith('T');

    public List<Shape> PosteriorShapes { get; } = [];

    public List<Vector3D> RibHeads { get; } = [];

    public Aabb BodyBounds => Frame.Bounds(-HalfWidth, HalfWidth, -HalfDepth, HalfDepth, Bottom - 2, (MiddleHeight / 2) + 2, 1);

    public Aabb CanalBounds =>
        Frame.Bounds(-CanalHalfWidth, CanalHalfWidth, CanalCentreV - CanalHalfDepth, CanalCentreV + CanalHalfDepth, Bottom - DiscBelowMm - 1, (MiddleHeight / 2) + 1, 1);

    public double Bottom => -MiddleHeight / 2;

    /// <summary>Local height of the superior endplate at depth v (v &gt; 0 posterior): the wedge of a compression fracture.</summary>
    public double Top(double v)
    {
        var b = HalfDepth;
        var clamped = Math.Clamp(v, -b, b);
        return Bottom + (Height * (1 - (HeightLoss * (b - clamped) / (2 * b))));
    }

    /// <summary>Signed distance to the body surface: an elliptic cross-section, flattened at the back, waisted at mid-height, with slightly concave endplates.</summary>
    public double BodyDistance(double u, double v, double w)
    {
        var halfMid = MiddleHeight / 2;
        var t = Math.Clamp(w / halfMid, -1, 1);
        var waist = 1 - (0.05 * (1 - (t * t)));
        var a = HalfWidth * waist;
        var b = HalfDepth * waist;
        var ru = Math.Min(1, (u / a) * (u / a));
        var bv = v > 0 ? b * (0.86 + (0.14 * ru)) : b;
        var crossSection = Sdf.Ellipse(u, v, a, bv);
        var r2 = Math.Min(1, ru + ((v / b) * (v / b)));
        var concavity = 1.2 * (1 - r2);
        var top = Top(v) - concavity;
        var bottom = Bottom + concavity;
        return Math.Max(crossSection, Math.Max(w - top, bottom - w));
    }

    /// <summary>
    /// Distance to the basivertebral vein: a channel from the central foramen of the posterior wall forward to 40% of
    /// the half depth behind the centre, then a short Y forward, at mid-height. It never reaches the body centre.
    /// </summary>
    public double VeinDistance(double u, double v, double w)
    {
        var b = HalfDepth;
        var stemEnd = 0.4 * b;
        var stem = Sdf.Segment3D(u, v, w, new Vector3D(0, b + 1, 0), new Vector3D(0, stemEnd, 0)) - VeinRadiusMm;
        var bu = 0.28 * HalfWidth;
        var branchV = 0.15 * b;
        var left = Sdf.Segment3D(u, v, w, new Vector3D(0, stemEnd, 0), new Vector3D(bu, branchV, 0)) - VeinBranchRadiusMm;
        var right = Sdf.Segment3D(u, v, w, new Vector3D(0, stemEnd, 0), new Vector3D(-bu, branchV, 0)) - VeinBranchRadiusMm;
        return Math.Min(stem, Math.Min(left, right));
    }

    public bool InCanal(double u, double v, double w) =>
        w <= (MiddleHeight / 2) + 1 && w >= Bottom - DiscBelowMm - 1 && Sdf.Ellipse(u, v - CanalCentreV, CanalHalfWidth, CanalHalfDepth) < 0;

    /// <summary>
    /// The truth ROI: an elliptic cylinder at mid-height in the anterior half of the body, inset at least 3 mm from the cortex
    /// and about 2 mm in front of the vein: about 170 mm² at L1, near the 200 mm² that CLINICAL.md recommends.
    /// </summary>
    public (double CentreV, double HalfU, double HalfV, double HalfW) Roi
    {
        get
        {
            var innerA = HalfWidth - CorticalThicknessMm;
            var innerB = HalfDepth - CorticalThicknessMm;
            return (-0.35 * HalfDepth, 0.55 * innerA, 0.35 * innerB, 0.25 * MiddleHeight);
        }
    }
}

/// <summary>An intervertebral disc between two bodies, bounded by their endplates.</summary>
internal sealed class DiscModel
{
    private readonly Frame _frame;
    private readonly double _halfWidth;
    private readonly double _halfDepth;

    public DiscModel(VertebraModel upper, VertebraModel lower)
    {
        Upper = upper;
        Lower = lower;
        var top = upper.Frame.ToPatient(0, 0, upper.Bottom);
        var bottom = lower.Frame.ToPatient(0, 0, lower.Top(0));
        var origin = (top + bottom) * 0.5;
        var w = (upper.Frame.W + lower.Frame.W).Normalized();
        var v = (upper.Frame.V + lower.Frame.V).Normalized();
        v = (v - (w * v.Dot(w))).Normalized();
        _frame = new Frame(origin, v.Cross(w), v, w);
        _halfWidth = ((upper.HalfWidth + lower.HalfWidth) / 2) + 1;
        _halfDepth = ((upper.HalfDepth + lower.HalfDepth) / 2) + 1;
        var halfGap = ((top - bottom).Length / 2) + 14;
        Bounds = _frame.Bounds(-_halfWidth, _halfWidth, -_halfDepth, _halfDepth, -halfGap, halfGap, 1);
    }

    public VertebraModel Upper { get; }

    public VertebraModel Lower { get; }

    public Aabb Bounds { get; }

    public bool Contains(double x, double y, double z)
    {
        var (u, v, _) = _frame.ToLocal(x, y, z);
        if (Sdf.Ellipse(u, v, _halfWidth, _halfDepth) >= 0)
        {
            return false;
        }

        var (_, _, wUpper) = Upper.Frame.ToLocal(x, y, z);
        if (wUpper > Upper.Bottom + 1.5)
        {
            return false;
        }

        var (_, vLower, wLower) = Lower.Frame.ToLocal(x, y, z);
        return wLower >= Lower.Top(vLower) - 1.5;
    }
}

/// <summary>
/// The centre line of the spine, parametrised by arc length s (mm) from the centre of the S1 superior endplate, positive
/// towards the head. Its sagittal angle makes the lordosis, its lateral angle the scoliosis.
/// </summary>
internal sealed class SpineCurve
{
    private const double StepMm = 0.5;
    private readonly double _sMin;
    private readonly Vector3D[] _points;
    private readonly Vector3D[] _tangents;
    private readonly Func<double, double> _rotationDegrees;

    public SpineCurve(double sMin, double sMax, Func<double, double> sagittalDegrees, Func<double, double> lateralDegrees, Func<double, double> rotationDegrees)
    {
        _sMin = sMin;
        _rotationDegrees = rotationDegrees;
        var count = (int)Math.Ceiling((sMax - sMin) / StepMm) + 1;
        _points = new Vector3D[count];
        _tangents = new Vector3D[count];
        var zeroIndex = (int)Math.Round(-sMin / StepMm);
        for (var i = 0; i < count; i++)
        {
            _tangents[i] = Tangent(sMin + (i * StepMm), sagittalDegrees, lateralDegrees);
        }

        _points[zeroIndex] = new Vector3D(0, 0, 0);
        for (var i = zeroIndex + 1; i < count; i++)
        {
            _points[i] = _points[i - 1] + ((_tangents[i - 1] + _tangents[i]) * (StepMm / 2));
        }

        for (var i = zeroIndex - 1; i >= 0; i--)
        {
            _points[i] = _points[i + 1] - ((_tangents[i + 1] + _tangents[i]) * (StepMm / 2));
        }
    }

    public void Translate(Vector3D shift)
    {
        for (var i = 0; i < _points.Length; i++)
        {
            _points[i] += shift;
        }
    }

    public Vector3D PointAt(double s)
    {
        var (i, t) = Locate(s);
        return _points[i] + ((_points[i + 1] - _points[i]) * t);
    }

    public Frame FrameAt(double s)
    {
        var (i, t) = Locate(s);
        var w = (_tangents[i] + ((_tangents[i + 1] - _tangents[i]) * t)).Normalized();
        var v = (Vector3D.UnitY - (w * w.Y)).Normalized();
        var u = v.Cross(w);
        var rho = _rotationDegrees(s) * Math.PI / 180;
        var (sin, cos) = Math.SinCos(rho);
        return new Frame(PointAt(s), (u * cos) + (v * sin), (v * cos) - (u * sin), w);
    }

    public double RotationDegreesAt(double s) => _rotationDegrees(s);

    private (int Index, double T) Locate(double s)
    {
        var x = Math.Clamp((s - _sMin) / StepMm, 0, _points.Length - 1.000001);
        var i = (int)Math.Floor(x);
        return (i, x - i);
    }

    private static Vector3D Tangent(double s, Func<double, double> sagittalDegrees, Func<double, double> lateralDegrees)
    {
        var sinPhi = Math.Sin(sagittalDegrees(s) * Math.PI / 180);
        var sinPsi = Math.Sin(lateralDegrees(s) * Math.PI / 180);
        var z = Math.Sqrt(Math.Max(0.01, 1 - (sinPhi * sinPhi) - (sinPsi * sinPsi)));
        return new Vector3D(sinPsi, sinPhi, z).Normalized();
    }
}

/// <summary>A pedicle screw with its tulip head.</summary>
internal sealed record ScrewModel(string Level, string Side, Vector3D Entry, Vector3D Tip, Vector3D HeadEnd, Vector3D RodPoint)
{
    public const double ShaftRadiusMm = 3.25;
    public const double HeadRadiusMm = 5.5;
}

/// <summary>The whole spine: vertebrae T9 down to S3, discs, ribs and implants.</summary>
internal sealed class SpineModel
{
    /// <summary>Where the model puts the centre of L1 along z: an arbitrary table coordinate, as scanners report.</summary>
    public const double L1CentreZMm = -260;

    /// <summary>Where the model puts the centre of L3 along y before the patient offset: about 20 mm behind the trunk centre.</summary>
    public const double L3CentreYMm = 20;

    private SpineModel(SpineCurve curve) => Curve = curve;

    public SpineCurve Curve { get; }

    /// <summary>Top first.</summary>
    public List<VertebraModel> Vertebrae { get; } = [];

    public List<DiscModel> Discs { get; } = [];

    public List<Capsule> RibSegments { get; } = [];

    public List<ScrewModel> Screws { get; } = [];

    public List<Capsule> Metal { get; } = [];

    public VertebraModel this[string level] => Vertebrae.First(v => v.Level == level);

    public static SpineModel Build(PhantomOptions options)
    {
        var presacral = SpineLevels.Presacral(options.RibPairs, options.LumbarVertebrae);
        var fractureLevel = options.Fracture is { } f ? SpineLevels.Normalize(f.Level) : null;
        var fractureLoss = options.Fracture?.HeightLossFraction ?? 0;

        // Arc-length layout, from the S1 endplate up: a disc, then a body, and so on. A fractured body keeps its posterior
        // height and loses f·H at the front, so the column above stands on its middle height, tilted forward.
        var centreS = new Dictionary<string, double>(StringComparer.Ordinal);
        var s = 0.0;
        double? kinkS = null;
        var kinkDegrees = 0.0;
        for (var i = presacral.Count - 1; i >= 0; i--)
        {
            var level = presacral[i];
            var d = LevelDimensions.Of(level, i == presacral.Count - 1);
            s += d.DiscBelowMm;
            var loss = level == fractureLevel ? fractureLoss : 0;
            var middle = d.HeightMm * (1 - (loss / 2));
            centreS[level] = s + (middle / 2);
            s += middle;
            if (loss > 0)
            {
                kinkS = s;
                kinkDegrees = Math.Atan(loss * d.HeightMm / d.DepthMm) * 180 / Math.PI;
            }
        }

        var topS = s;
        centreS["S1"] = -14;
        centreS["S2"] = -28 - 11;
        centreS["S3"] = -28 - 22 - 9;

        var lordosis = options.LordosisDegrees;
        var phiS1 = -0.72 * lordosis;
        var phiTop = 0.28 * lordosis;
        double Sagittal(double arc)
        {
            double phi;
            if (arc >= 0)
            {
                var t = Math.Clamp(arc / 170, 0, 1);
                phi = phiS1 + ((phiTop - phiS1) * t * t * (3 - (2 * t)));
            }
            else
            {
                // Below the promontory the sacrum curves backwards (sacral kyphosis).
                phi = Math.Max(-85, phiS1 + (0.45 * arc));
            }

            return kinkS is { } k && arc > k ? phi - kinkDegrees : phi;
        }

        var cobb = options.ScoliosisDegrees;
        var sA = centreS["L4"];
        var sB = centreS["T11"];
        double Lateral(double arc)
        {
            if (cobb == 0)
            {
                return 0;
            }

            if (arc < sA)
            {
                return cobb / 2 * Math.Clamp(1 - ((sA - arc) / 40), 0, 1);
            }

            if (arc > sB)
            {
                return -cobb / 2 * Math.Clamp(1 - ((arc - sB) / 40), 0, 1);
            }

            return cobb / 2 * Math.Cos(Math.PI * (arc - sA) / (sB - sA));
        }

        // Apical axial rotation of about 0.4 × Cobb, turning the bodies into the convexity (inferred from clinical series,
        // where 30–45° curves show 10–20° of apical rotation).
        double Rotation(double arc) => arc < sA || arc > sB ? 0 : 0.4 * cobb * Math.Sin(Math.PI * (arc - sA) / (sB - sA));

        var curve = new SpineCurve(-90, topS + 30, Sagittal, Lateral, Rotation);
        var l1 = curve.PointAt(centreS["L1"]);
        var l3 = curve.PointAt(centreS["L3"]);
        curve.Translate(new Vector3D(options.PatientOffsetXMm, L3CentreYMm + options.PatientOffsetYMm - l3.Y, L1CentreZMm - l1.Z));

        var model = new SpineModel(curve);
        var all = SpineLevels.All(options.RibPairs, options.LumbarVertebrae);
        var screwLevels = options.ScrewLevels.Select(SpineLevels.Normalize).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < all.Count; i++)
        {
            var level = all[i];
            var isSacral = level.StartsWith('S');
            var presacralIndex = isSacral ? 0 : presacral.Count - i;
            var d = LevelDimensions.Of(level, presacralIndex == 1);
            var discAbove = i == 0 ? 5.5 : isSacral && level != "S1" ? 0 : LevelDimensions.Of(all[i - 1], false).DiscBelowMm;
            var (canalA, canalB) = CanalHalfAxes(level);
            var vertebra = new VertebraModel
            {
                Level = level,
                PresacralIndex = presacralIndex,
                IsSacral = isSacral,
                Frame = curve.FrameAt(centreS[level]),
                AxialRotationDegrees = curve.RotationDegreesAt(centreS[level]),
                HalfWidth = d.WidthMm / 2,
                HalfDepth = d.DepthMm / 2,
                Height = d.HeightMm,
                HeightLoss = level == fractureLevel ? fractureLoss : 0,
                DiscAboveMm = discAbove,
                DiscBelowMm = d.DiscBelowMm,
                UnenhancedTrabecularHu = PhantomPresets.TrabecularHuOf(options, level),
                CorticalThicknessMm = options.CorticalThicknessMm,
                HasRibs = SpineLevels.HasRibs(level, options.RibPairs),
                HasScrews = screwLevels.Contains(level),
                CanalHalfWidth = canalA,
                CanalHalfDepth = canalB,
                Dimensions = d,
            };
            if (isSacral)
            {
                AddSacralElements(vertebra);
            }
            else
            {
                AddPosteriorElements(vertebra);
            }

            model.Vertebrae.Add(vertebra);
        }

        for (var i = 0; i + 1 < model.Vertebrae.Count; i++)
        {
            var upper = model.Vertebrae[i];
            var lower = model.Vertebrae[i + 1];
            if (!lower.IsSacral || lower.Level == "S1")
            {
                model.Discs.Add(new DiscModel(upper, lower));
            }
        }

        foreach (var vertebra in model.Vertebrae.Where(v => v.HasRibs))
        {
            model.AddRibs(vertebra, options);
        }

        foreach (var vertebra in model.Vertebrae.Where(v => v.HasScrews))
        {
            model.AddScrews(vertebra);
        }

        model.AddRods();
        return model;
    }

    private static (double A, double B) CanalHalfAxes(string level) => level switch
    {
        "S1" => (12, 5.5),
        "S2" => (10, 5),
        "S3" => (8, 4),
        _ when level.StartsWith('T') => (8.5, 7.5),
        "L1" => (11, 8),
        "L2" => (11, 8),
        "L3" => (11.5, 8),
        _ => (12, 8),
    };

    private static void AddPosteriorElements(VertebraModel v)
    {
        var f = v.Frame;
        var ca = v.CanalHalfWidth;
        var cb = v.CanalHalfDepth;
        var vc = v.CanalCentreV;
        var pr = v.PedicleRadius;
        var hm = v.MiddleHeight;
        var b = v.HalfDepth;
        var d = v.Dimensions;
        var thoracic = v.IsThoracic;
        var facetRadius = thoracic ? 2.5 : 3.0;
        foreach (var side in (double[])[1, -1])
        {
            var pu = side * (ca + pr + 0.5);
            v.PosteriorShapes.Add(new LocalCapsule(f, (pu, b - 4, v.PedicleW), (pu, vc + (0.4 * cb), v.PedicleW), pr, 1.5));
            v.PosteriorShapes.Add(new LocalPlate(f, (side * (ca + (0.6 * pr)), vc + (0.4 * cb)), (0, vc + cb + 3.5), 2.8, v.Bottom - (0.5 * v.DiscBelowMm), 0.3 * hm));
            if (thoracic)
            {
                v.PosteriorShapes.Add(new LocalCapsule(f, (side * (ca + pr), vc - 1, 0.2 * hm), (side * (ca + pr + d.TransverseLengthMm), vc + 9, 0.2 * hm), 4, 1.2));
            }
            else
            {
                v.PosteriorShapes.Add(new LocalCapsule(f, (side * (ca + pr), vc - 1, 0.05 * hm), (side * (ca + pr + d.TransverseLengthMm), vc + 1, 0.05 * hm), 3.5, 1.3));
            }

            var joint = ca + 3;
            v.PosteriorShapes.Add(new LocalCapsule(f, (side * (joint + 0.75 + facetRadius), vc + 2, 0.2 * hm), (side * (joint + 0.75 + facetRadius), vc + cb - 1, (hm / 2) + (0.6 * v.DiscAboveMm)), facetRadius));
            v.PosteriorShapes.Add(new LocalCapsule(f, (side * (joint - 0.75 - facetRadius), vc + cb + 1, -0.2 * hm), (side * (joint - 0.75 - facetRadius), vc + cb + 1, v.Bottom - (0.6 * v.DiscBelowMm)), facetRadius));
        }

        var slope = d.SpinousSlopeDegrees * Math.PI / 180;
        var root = (0.0, vc + cb + 2, -0.1 * hm);
        var tip = (0.0, vc + cb + 2 + (d.SpinousLengthMm * Math.Cos(slope)), (-0.1 * hm) - (d.SpinousLengthMm * Math.Sin(slope)));
        v.PosteriorShapes.Add(new LocalCapsule(f, root, tip, 3.2, 2.2));
    }

    private static void AddSacralElements(VertebraModel v)
    {
        var f = v.Frame;
        var ca = v.CanalHalfWidth;
        var cb = v.CanalHalfDepth;
        var vc = v.CanalCentreV;
        var hm = v.MiddleHeight;
        var a = v.HalfWidth;
        var b = v.HalfDepth;
        foreach (var side in (double[])[1, -1])
        {
            v.PosteriorShapes.Add(new LocalPlate(f, (side * (ca + 4), vc - 1), (0, vc + cb + 4), 3.0, v.Bottom, 0.35 * hm));
            switch (v.Level)
            {
                case "S1":
                    v.PosteriorShapes.Add(new LocalEllipsoid(f, (side * (a + 16), 0.2 * b, -0.1 * hm), (22, 20, 17)));
                    v.PosteriorShapes.Add(new LocalCapsule(f, (side * (ca + 6.75), vc + 2, 0.2 * hm), (side * (ca + 6.75), vc + cb, (hm / 2) + 6), 3.0));
                    v.PosteriorShapes.Add(new LocalCapsule(f, (side * (ca + 2), b - 3, 0), (side * (ca + 2), vc, 0), 6, 1.5));
                    break;
                case "S2":
                    v.PosteriorShapes.Add(new LocalEllipsoid(f, (side * (a + 12), 0.3 * b, 0), (17, 17, 12)));
                    break;
                default:
                    v.PosteriorShapes.Add(new LocalEllipsoid(f, (side * (a + 8), 0.3 * b, 0), (11, 12, 9)));
                    break;
            }
        }

        v.PosteriorShapes.Add(new LocalCapsule(f, (0, vc + cb + 3, 0), (0, vc + cb + 12, -4), 3.0, 2.0));
    }

    /// <summary>
    /// A rib each side: head on the posterolateral body, neck to the transverse process, then the shaft around the trunk wall,
    /// falling about 0.35 mm per mm as it runs forward.
    /// </summary>
    private void AddRibs(VertebraModel v, PhantomOptions options)
    {
        const double radius = 4.5;
        var length = v.Dimensions.RibLengthMm;
        var f = v.Frame;
        var trunkCentreX = options.PatientOffsetXMm;
        var trunkCentreY = options.PatientOffsetYMm;
        foreach (var side in (double[])[1, -1])
        {
            var head = f.ToPatient(side * (v.HalfWidth + 2), 0.45 * v.HalfDepth, 0.3 * v.MiddleHeight);
            v.RibHeads.Add(head);
            var tubercle = f.ToPatient(side * (v.CanalHalfWidth + v.PedicleRadius + v.Dimensions.TransverseLengthMm + 1), v.CanalCentreV + 12, 0.2 * v.MiddleHeight);
            var points = new List<Vector3D> { head, tubercle };
            const double ellipseA = 128;
            const double ellipseB = 92;
            var theta = 55 * Math.PI / 180;
            var travelled = (tubercle - head).Length;
            var z = tubercle.Z;
            var previous = tubercle;
            while (travelled < length)
            {
                var next = new Vector3D(trunkCentreX + (side * ellipseA * Math.Cos(theta)), trunkCentreY + (ellipseB * Math.Sin(theta)), z);
                var step = (next - previous).Length;
                if (step > 1)
                {
                    next = next with { Z = z - (0.35 * step) };
                    points.Add(next);
                    travelled += step;
                    z = next.Z;
                    previous = next;
                }

                theta -= 5.0 / Math.Sqrt((ellipseA * ellipseA * Math.Sin(theta) * Math.Sin(theta)) + (ellipseB * ellipseB * Math.Cos(theta) * Math.Cos(theta)));
            }

            for (var i = 0; i + 1 < points.Count; i++)
            {
                RibSegments.Add(new Capsule(points[i], points[i + 1], radius));
            }
        }
    }

    private void AddScrews(VertebraModel v)
    {
        var f = v.Frame;
        foreach (var (side, name) in new[] { (1.0, "left"), (-1.0, "right") })
        {
            var entryLocal = (U: side * (v.CanalHalfWidth + v.PedicleRadius + 0.5), V: v.CanalCentreV + (0.4 * v.CanalHalfDepth) + 4, W: v.PedicleW);
            var targetLocal = (U: side * 0.15 * v.HalfWidth, V: -0.55 * v.HalfDepth, W: v.PedicleW);
            var entry = f.ToPatient(entryLocal.U, entryLocal.V, entryLocal.W);
            var target = f.ToPatient(targetLocal.U, targetLocal.V, targetLocal.W);
            var direction = (target - entry).Normalized();
            var length = Math.Min((target - entry).Length, 50);
            var tip = entry + (direction * length);
            var headEnd = entry - (direction * 12);
            var rodPoint = entry - (direction * 8);
            Screws.Add(new ScrewModel(v.Level, name, entry, tip, headEnd, rodPoint));
            Metal.Add(new Capsule(entry, tip, ScrewModel.ShaftRadiusMm));
            Metal.Add(new Capsule(entry - (direction * 2), headEnd, ScrewModel.HeadRadiusMm));
        }
    }

    private void AddRods()
    {
        const double rodRadius = 2.75;
        foreach (var side in (string[])["left", "right"])
        {
            var points = Screws.Where(s => s.Side == side).Select(s => s.RodPoint).OrderByDescending(p => p.Z).ToList();
            if (points.Count < 2)
            {
                continue;
            }

            var top = points[0] + ((points[0] - points[1]).Normalized() * 5);
            var bottom = points[^1] + ((points[^1] - points[^2]).Normalized() * 5);
            points.Insert(0, top);
            points.Add(bottom);
            for (var i = 0; i + 1 < points.Count; i++)
            {
                Metal.Add(new Capsule(points[i], points[i + 1], rodRadius));
            }
        }
    }
}
