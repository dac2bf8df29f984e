using CtBone.Core.Analysis;
using CtBone.Core.Series;
using CtBone.Core.Volumes;

namespace CtBone.Core.Spine;

/// <summary>HU of the aorta and the inferior vena cava found beside the spine, and the contrast phase they imply.</summary>
internal sealed record VesselReading(double? AortaHu, double? InferiorVenaCavaHu, Vector3D? AortaCenterMm);

/// <summary>
/// Measures reference tissues on a few axial slices through the lumbar bodies: air in front of the patient,
/// subcutaneous and visceral fat, paraspinal muscle, and blood in the aorta. They feed phantomless calibration, scanner
/// QA and the contrast phase (CLINICAL.md: Comp2Comp calibrates on air and visceral fat; Kaesmacher 2017 on fat, muscle, blood).
/// </summary>
internal static class ReferenceTissueSampler
{
    public static (IReadOnlyList<ReferenceTissueMeasurement> Tissues, VesselReading Vessels) Measure(AxialStack stack, SpineColumn column, IReadOnlyList<(int Slice, double HalfDepthMm)> slices)
    {
        var air = new List<short>();
        var subcutaneous = new List<short>();
        var visceral = new List<short>();
        var muscle = new List<short>();
        var centres = new Dictionary<string, List<Vector3D>>();
        var aorta = new List<(double Hu, Vector3D Centre)>();
        var cava = new List<double>();
        foreach (var (k, halfDepth) in slices)
        {
            var axis = column.At(stack.SliceZMm[k], stack);
            SampleSlice(stack, k, axis, halfDepth, air, subcutaneous, visceral, muscle, centres);
            var a = FindVessel(stack, k, axis, halfDepth, leftSide: true, avoid: null);
            if (a is not null)
            {
                aorta.Add(a.Value);
            }

            // The IVC lies right of the aorta; a disc on the aorta itself must not pass for it.
            if (FindVessel(stack, k, axis, halfDepth, leftSide: false, avoid: a?.Centre) is { } c)
            {
                cava.Add(c.Hu);
            }
        }

        var tissues = new List<ReferenceTissueMeasurement>();
        void Add(string name, List<short> values)
        {
            if (values.Count < 30)
            {
                return;
            }

            var mean = values.Average(v => (double)v);
            var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, values.Count - 1));
            var where = centres.TryGetValue(name, out var points) && points.Count > 0
                ? stack.ToPatientMm(new Vector3D(points.Average(p => p.X), points.Average(p => p.Y), points.Average(p => p.Z)))
                : default;
            tissues.Add(new ReferenceTissueMeasurement(name, Math.Round(mean, 1), Math.Round(sd, 1), values.Count, Round(where)));
        }

        Add("air", WithoutPadding(air));
        Add("subcutaneous-fat", subcutaneous);
        Add("visceral-fat", visceral);
        Add("muscle", muscle);
        VesselReading vessels;
        if (aorta.Count > 0)
        {
            var hu = SpineColumn.Median(aorta.Select(a => a.Hu));
            var centre = aorta.MinBy(a => Math.Abs(a.Hu - hu)).Centre;
            var lps = stack.ToPatientMm(centre);
            tissues.Add(new ReferenceTissueMeasurement("aortic-blood", Math.Round(hu, 1), 0, aorta.Count, Round(lps)));
            vessels = new VesselReading(hu, cava.Count > 0 ? SpineColumn.Median(cava) : null, lps);
        }
        else
        {
            vessels = new VesselReading(null, cava.Count > 0 ? SpineColumn.Median(cava) : null, null);
        }

        return (tissues, vessels);
    }

    /// <summary>
    /// The contrast phase from the aorta and IVC and the ContrastBolusAgent tag. Enhanced blood reads far above the
    /// 40 HU of unenhanced blood: an aorta above 110 HU means contrast. A very bright aorta (250 HU or more) with the IVC
    /// behind is arterial; a moderately bright aorta with an enhanced IVC (at least 45% of the aorta) is portal venous.
    /// </summary>
    public static (ContrastPhase Phase, string Evidence) Phase(VesselReading vessels, string? contrastBolusAgent)
    {
        ArgumentNullException.ThrowIfNull(vessels);
        var tagged = !string.IsNullOrWhiteSpace(contrastBolusAgent);
        var tag = tagged ? $"ContrastBolusAgent (0018,0010) is \"{contrastBolusAgent}\"" : "ContrastBolusAgent (0018,0010) is absent";
        if (vessels.AortaHu is not { } aorta)
        {
            return tagged
                ? (ContrastPhase.Unknown, tag + "; the aorta could not be measured")
                : (ContrastPhase.None, tag + "; the aorta could not be measured, so unenhanced is assumed");
        }

        var ivc = vessels.InferiorVenaCavaHu;
        var reading = FormattableString.Invariant($"aorta {aorta:0} HU, IVC {(ivc is { } v ? v.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " HU" : "not measured")}");
        if (aorta < 110)
        {
            return tagged
                ? (ContrastPhase.Unknown, $"{tag}, but the {reading} (unenhanced blood): delayed phase or oral contrast only")
                : (ContrastPhase.None, $"{tag}; {reading}: unenhanced");
        }

        // Arterial: the aorta is at its brightest (250 HU and more) and the venous return has not caught up. Portal venous:
        // the aorta has come down (110 to 250 HU) and the IVC carries enhanced blood too.
        var cava = ivc ?? 0;
        if (aorta >= 250)
        {
            return cava >= 0.75 * aorta
                ? (ContrastPhase.PortalVenous, $"{reading}: aorta and IVC both strongly enhanced; {tag}")
                : (ContrastPhase.Arterial, $"{reading}: bright aorta, IVC not yet enhanced; {tag}");
        }

        return ivc is not null && cava >= 0.45 * aorta
            ? (ContrastPhase.PortalVenous, $"{reading}: aorta and IVC both enhanced; {tag}")
            : (ContrastPhase.Unknown, $"{reading}: enhanced, phase unclear; {tag}");
    }

    private static void SampleSlice(AxialStack stack, int k, Vector3D axis, double halfDepth, List<short> air, List<short> subcutaneous, List<short> visceral, List<short> muscle, Dictionary<string, List<Vector3D>> centres)
    {
        var w = stack.Nx;
        var h = stack.Ny;
        var slice = stack.Slice(k);
        var mask = new bool[w * h];
        var labels = new int[w * h];
        var queue = new int[w * h];
        var (body, _) = SliceMorphology.LargestRegion(slice, -400, mask, labels, w, h, queue);
        if (body == 0)
        {
            return;
        }

        var minY = h;
        for (var i = 0; i < labels.Length; i++)
        {
            mask[i] = labels[i] == body;
            if (mask[i])
            {
                minY = Math.Min(minY, i / w);
            }
        }

        // Holes inside the body (bowel gas, lung) are not outside air.
        var filled = new bool[w * h];
        var walls = mask;
        SliceMorphology.FillHoles(walls, filled, w, h, queue);
        var distance = new int[w * h];
        SliceMorphology.Distance(filled, distance, w, h);
        var pixel = Math.Min(stack.PixelXMm, stack.PixelYMm);
        var z = stack.SliceZMm[k];

        void Keep(string name, List<short> into, int x, int y, short hu)
        {
            into.Add(hu);
            if (!centres.TryGetValue(name, out var list))
            {
                centres[name] = list = [];
            }

            if (into.Count % 50 == 1)
            {
                list.Add(new Vector3D(x * stack.PixelXMm, y * stack.PixelYMm, z));
            }
        }

        for (var y = 0; y < h; y++)
        {
            var yMm = y * stack.PixelYMm;
            for (var x = 0; x < w; x++)
            {
                var i = (y * w) + x;
                var hu = slice[i];
                var xMm = x * stack.PixelXMm;
                if (!filled[i])
                {
                    // Air in front of the abdomen, clear of the skin and of the scanner's padding outside its field.
                    var aheadMm = (minY - y) * stack.PixelYMm;
                    if (aheadMm is >= 8 and <= 40 && Math.Abs(xMm - axis.X) <= 60 && hu is >= -1100 and <= -850)
                    {
                        Keep("air", air, x, y, hu);
                    }

                    continue;
                }

                var depthMm = distance[i] / 3.0 * pixel;
                var fat = hu is >= -200 and <= -40;
                if (fat && depthMm is >= 3 and <= 15)
                {
                    Keep("subcutaneous-fat", subcutaneous, x, y, hu);
                }
                else if (fat && depthMm >= 40 && yMm < axis.Y - halfDepth - 10)
                {
                    Keep("visceral-fat", visceral, x, y, hu);
                }

                var behind = yMm - axis.Y;
                var side = Math.Abs(xMm - axis.X);
                if (hu is >= -30 and <= 130 && behind >= halfDepth + 25 && behind <= halfDepth + 65 && side is >= 15 and <= 45 && depthMm >= 12)
                {
                    Keep("muscle", muscle, x, y, hu);
                }
            }
        }
    }

    /// <summary>The most common value is the scanner's padding outside its reconstruction field when it is a large share.</summary>
    private static List<short> WithoutPadding(List<short> values)
    {
        if (values.Count == 0)
        {
            return values;
        }

        var mode = values.GroupBy(v => v).MaxBy(g => g.Count())!;
        return mode.Count() > 0.2 * values.Count ? values.Where(v => v != mode.Key).ToList() : values;
    }

    /// <summary>
    /// A vessel in front of the spine (aorta on the left, IVC on the right): the 5 mm disc whose mean HU stands
    /// highest above the 9–12 mm ring around it, among soft-tissue or brighter discs that are not bone.
    /// </summary>
    private static (double Hu, Vector3D Centre)? FindVessel(AxialStack stack, int k, Vector3D axis, double halfDepth, bool leftSide, Vector3D? avoid)
    {
        var xFrom = leftSide ? axis.X - 10 : axis.X - 55;
        var xTo = leftSide ? axis.X + 55 : axis.X + 10;
        var yFrom = axis.Y - halfDepth - 55;
        var yTo = axis.Y - halfDepth + 2;
        (double Score, double Hu, Vector3D Centre)? best = null;
        for (var cy = yFrom; cy <= yTo; cy += 2)
        {
            for (var cx = xFrom; cx <= xTo; cx += 2)
            {
                if (avoid is { } other && Math.Abs(cx - other.X) < 18 && Math.Abs(cy - other.Y) < 18)
                {
                    continue;
                }

                var (inner, innerSd, ring) = DiscAndRing(stack, k, cx, cy);
                if (double.IsNaN(inner) || inner < -20 || inner > 600 || innerSd > 60 || ring > inner - 40)
                {
                    continue;
                }

                var score = inner - ring;
                if (best is null || score > best.Value.Score)
                {
                    best = (score, inner, new Vector3D(cx, cy, stack.SliceZMm[k]));
                }
            }
        }

        return best is { } b ? (b.Hu, b.Centre) : null;
    }

    private static (double Inner, double InnerSd, double Ring) DiscAndRing(AxialStack stack, int k, double cxMm, double cyMm)
    {
        double innerSum = 0, innerSquares = 0, ringSum = 0;
        int innerCount = 0, ringCount = 0;
        var reach = (int)Math.Ceiling(12 / Math.Min(stack.PixelXMm, stack.PixelYMm));
        var px = (int)Math.Round(cxMm / stack.PixelXMm);
        var py = (int)Math.Round(cyMm / stack.PixelYMm);
        // Means over a 5 mm disc and a ring need no more than a sample per millimetre or so.
        var stride = Math.Min(stack.PixelXMm, stack.PixelYMm) < 0.9 ? 2 : 1;
        for (var y = py - reach; y <= py + reach; y += stride)
        {
            for (var x = px - reach; x <= px + reach; x += stride)
            {
                if (x < 0 || y < 0 || x >= stack.Nx || y >= stack.Ny)
                {
                    return (double.NaN, 0, 0);
                }

                var dx = (x * stack.PixelXMm) - cxMm;
                var dy = (y * stack.PixelYMm) - cyMm;
                var r2 = (dx * dx) + (dy * dy);
                double hu = stack[x, y, k];
                if (r2 <= 25)
                {
                    innerSum += hu;
                    innerSquares += hu * hu;
                    innerCount++;
                }
                else if (r2 is >= 81 and <= 144)
                {
                    ringSum += Math.Min(hu, 200);
                    ringCount++;
                }
            }
        }

        if (innerCount < 4 || ringCount < 10)
        {
            return (double.NaN, 0, 0);
        }

        var mean = innerSum / innerCount;
        var sd = Math.Sqrt(Math.Max(0, (innerSquares / innerCount) - (mean * mean)));
        return (mean, sd, ringSum / ringCount);
    }

    private static double[] Round(Vector3D p) => [Math.Round(p.X, 1), Math.Round(p.Y, 1), Math.Round(p.Z, 1)];
}
