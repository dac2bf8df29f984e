using CtBone.Core.Volumes;

namespace CtBone.Core.Spine;

/// <summary>
/// A vertebral body's cross-section in one plane, found by casting rays from a point inside it to the inner surface of
/// its cortex. Points are in the stack's mm frame; the plane is spanned by a lateral axis (towards the patient's left)
/// and a posterior axis, so "anterior" is −posterior.
/// </summary>
internal readonly record struct BodyCrossSection(
    double RingFraction,
    Vector3D CenterMm,
    double HalfWidthMm,
    double HalfDepthMm,
    double InteriorHu,
    double RotationDegrees)
{
    public const int Rays = 32;
    private const double StepMm = 0.5;
    private const double StartMm = 3;

    /// <summary>True when the cortex was found in most directions: the slice cuts through a body, not a disc.</summary>
    public bool IsBody => RingFraction >= 0.5;

    /// <summary>
    /// Casts rays from a point in a plane. The cortex is where the HU first rise above both
    /// <see cref="SpineColumn.ThinCorticalHu"/> and the body's interior by 70 HU, so that dense young trabecular bone
    /// is not taken for cortex and a thin osteoporotic cortex blurred by the slice is still found. Rays longer than <paramref name="maxRadiusMm"/> count as misses.
    /// </summary>
    public static BodyCrossSection Measure(AxialStack stack, Vector3D pointMm, Vector3D lateral, Vector3D posterior, double maxRadiusMm)
    {
        var interior = MedianNear(stack, pointMm, lateral, posterior);
        var threshold = Math.Max(SpineColumn.ThinCorticalHu, interior + 70);
        Span<double> radii = stackalloc double[Rays];
        var anteriorHits = 0;
        var anteriorRays = 0;
        for (var r = 0; r < Rays; r++)
        {
            var angle = 2 * Math.PI * r / Rays;
            var (dy, dx) = Math.SinCos(angle);
            radii[r] = double.NaN;
            for (var t = StartMm; t <= maxRadiusMm; t += StepMm)
            {
                var hu = stack.SampleMm(pointMm + (lateral * (dx * t)) + (posterior * (dy * t)));
                if (hu >= threshold)
                {
                    radii[r] = t;
                    break;
                }
            }

            // The ring is judged on the front and sides only: behind the body lie the pedicles and facets, which
            // are bone at disc levels too.
            if (dy <= 0.35)
            {
                anteriorRays++;
                anteriorHits += double.IsNaN(radii[r]) ? 0 : 1;
            }
        }

        var ring = (double)anteriorHits / anteriorRays;
        var left = Sector(radii, 0);
        var back = Sector(radii, Rays / 4);
        var right = Sector(radii, Rays / 2);
        var anterior = Sector(radii, 3 * Rays / 4);
        if (double.IsNaN(left) || double.IsNaN(right) || double.IsNaN(anterior))
        {
            return new BodyCrossSection(ring, pointMm, double.NaN, double.NaN, interior, 0);
        }

        // Behind the centre the basivertebral foramen lets rays through to the canal; a missing posterior wall is
        // taken as mirror of the front.
        if (double.IsNaN(back) || back > 1.6 * anterior)
        {
            back = anterior;
        }

        var halfWidth = (left + right) / 2;
        var halfDepth = (anterior + back) / 2;
        var centre = pointMm + (lateral * ((left - right) / 2)) + (posterior * ((back - anterior) / 2));
        return new BodyCrossSection(ring, centre, halfWidth, halfDepth, interior, Rotation(radii));
    }

    /// <summary>Median HU in a 4 mm disc around the point: the trabecular bone when the point is inside a body.</summary>
    private static double MedianNear(AxialStack stack, Vector3D pointMm, Vector3D lateral, Vector3D posterior)
    {
        const int radiusMm = 4;
        var values = new List<double>();
        for (var b = -radiusMm; b <= radiusMm; b++)
        {
            for (var a = -radiusMm; a <= radiusMm; a++)
            {
                if ((a * a) + (b * b) <= radiusMm * radiusMm)
                {
                    values.Add(stack.SampleMm(pointMm + (lateral * a) + (posterior * b)));
                }
            }
        }

        return SpineColumn.Median(values);
    }

    /// <summary>Median of the hit radii within ±2 rays of ray <paramref name="centre"/>; NaN when most missed.</summary>
    private static double Sector(ReadOnlySpan<double> radii, int centre)
    {
        Span<double> hits = stackalloc double[5];
        var n = 0;
        for (var d = -2; d <= 2; d++)
        {
            var r = radii[(centre + d + Rays) % Rays];
            if (!double.IsNaN(r))
            {
                hits[n++] = r;
            }
        }

        if (n < 3)
        {
            return double.NaN;
        }

        hits = hits[..n];
        hits.Sort();
        return n % 2 == 1 ? hits[n / 2] : (hits[(n / 2) - 1] + hits[n / 2]) / 2;
    }

    /// <summary>
    /// Axial rotation of the body (degrees, positive turning the front towards patient left): the direction of its
    /// widest extent, from second moments of the front half's boundary points, which the canal and foramen do not disturb.
    /// </summary>
    private static double Rotation(ReadOnlySpan<double> radii)
    {
        double sxx = 0, syy = 0, sxy = 0;
        var n = 0;
        for (var r = 0; r < Rays; r++)
        {
            if (double.IsNaN(radii[r]))
            {
                continue;
            }

            var (dy, dx) = Math.SinCos(2 * Math.PI * r / Rays);
            if (dy > 0.2)
            {
                continue;
            }

            var px = dx * radii[r];
            var py = dy * radii[r];
            sxx += px * px;
            syy += py * py;
            sxy += px * py;
            n++;
        }

        if (n < 6)
        {
            return 0;
        }

        // Principal axis of the mirrored front half: mirror through the centre keeps sxx, syy and sxy.
        var angle = 0.5 * Math.Atan2(2 * sxy, sxx - syy) * 180 / Math.PI;
        return Math.Clamp(angle, -35, 35);
    }
}
