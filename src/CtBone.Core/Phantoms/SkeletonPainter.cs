namespace CtBone.Core.Phantoms;

/// <summary>
/// Draws bone and metal into an axial plane, over the soft tissue already there. Order matters: canal and discs first,
/// then vertebral bodies, posterior elements, pelvis and ribs, and metal last, so later layers win where they overlap.
/// </summary>
internal static class SkeletonPainter
{
    private const double PosteriorShellMm = 1.2;
    private const double RibShellMm = 1.2;
    private const double IliacShellMm = 1.5;

    /// <summary>Posterior elements hold denser cancellous bone than the body (inferred; it is a coarse model of them).</summary>
    private const double PosteriorCancellousExtraHu = 60;

    private const double RibMarrowHu = 180;
    private const double IliacMarrowHu = 220;

    public static void Paint(SliceCanvas canvas, double z, PhantomScene scene, TissueHu hu)
    {
        var spine = scene.Spine;
        var values = canvas.Values;
        var offset = hu.TrabecularContrastOffset;

        foreach (var v in spine.Vertebrae)
        {
            var bounds = v.CanalBounds;
            if (!canvas.Range(bounds, z, out var i0, out var i1, out var j0, out var j1))
            {
                continue;
            }

            for (var j = j0; j <= j1; j++)
            {
                var y = canvas.Y(j);
                for (var i = i0; i <= i1; i++)
                {
                    var (u, vv, w) = v.Frame.ToLocal(canvas.X(i), y, z);
                    if (v.InCanal(u, vv, w))
                    {
                        values[(j * canvas.Columns) + i] = (float)hu.Csf;
                    }
                }
            }
        }

        foreach (var disc in spine.Discs)
        {
            var bounds = disc.Bounds;
            if (!canvas.Range(bounds, z, out var i0, out var i1, out var j0, out var j1))
            {
                continue;
            }

            for (var j = j0; j <= j1; j++)
            {
                var y = canvas.Y(j);
                for (var i = i0; i <= i1; i++)
                {
                    if (disc.Contains(canvas.X(i), y, z))
                    {
                        values[(j * canvas.Columns) + i] = (float)hu.Disc;
                    }
                }
            }
        }

        foreach (var v in spine.Vertebrae)
        {
            var bounds = v.BodyBounds;
            if (!canvas.Range(bounds, z, out var i0, out var i1, out var j0, out var j1))
            {
                continue;
            }

            var trabecular = v.UnenhancedTrabecularHu + offset;
            for (var j = j0; j <= j1; j++)
            {
                var y = canvas.Y(j);
                for (var i = i0; i <= i1; i++)
                {
                    var x = canvas.X(i);
                    var (u, vv, w) = v.Frame.ToLocal(x, y, z);
                    var d = v.BodyDistance(u, vv, w);
                    if (d >= 0)
                    {
                        continue;
                    }

                    double value;
                    if (vv > 0 && v.VeinDistance(u, vv, w) < 0)
                    {
                        value = hu.BasivertebralVein;
                    }
                    else if (d > -v.CorticalThicknessMm)
                    {
                        value = hu.CorticalBone;
                    }
                    else
                    {
                        value = trabecular + scene.Texture(x, y, z);
                    }

                    values[(j * canvas.Columns) + i] = (float)value;
                }
            }
        }

        // Posterior elements as a union of shapes: first every inside point gets cortex, then every point deeper than the
        // shell in any shape gets cancellous bone, so joints between shapes do not leave cortical seams inside.
        foreach (var v in spine.Vertebrae)
        {
            foreach (var shape in v.PosteriorShapes)
            {
                PaintShape(canvas, z, shape, 0, _ => hu.CorticalBone);
            }
        }

        foreach (var v in spine.Vertebrae)
        {
            var cancellous = v.UnenhancedTrabecularHu + offset + PosteriorCancellousExtraHu;
            foreach (var shape in v.PosteriorShapes)
            {
                PaintShape(canvas, z, shape, -PosteriorShellMm, p => cancellous + scene.Texture(p.X, p.Y, z));
            }
        }

        PaintIliacWings(canvas, z, scene, hu);

        foreach (var rib in spine.RibSegments)
        {
            PaintShape(canvas, z, rib, 0, _ => 0.9 * hu.CorticalBone);
        }

        foreach (var rib in spine.RibSegments)
        {
            PaintShape(canvas, z, rib, -RibShellMm, p => RibMarrowHu + offset + scene.Texture(p.X, p.Y, z));
        }

        foreach (var metal in spine.Metal)
        {
            PaintShape(canvas, z, metal, 0, _ => hu.Metal);
        }
    }

    private static void PaintShape(SliceCanvas canvas, double z, Shape shape, double below, Func<(double X, double Y), double> value)
    {
        var bounds = shape.Bounds;
        if (!canvas.Range(bounds, z, out var i0, out var i1, out var j0, out var j1))
        {
            return;
        }

        var values = canvas.Values;
        for (var j = j0; j <= j1; j++)
        {
            var y = canvas.Y(j);
            for (var i = i0; i <= i1; i++)
            {
                var x = canvas.X(i);
                if (shape.Distance(x, y, z) < below)
                {
                    values[(j * canvas.Columns) + i] = (float)value((x, y));
                }
            }
        }
    }

    private static void PaintIliacWings(SliceCanvas canvas, double z, PhantomScene scene, TissueHu hu)
    {
        var values = canvas.Values;
        foreach (var side in (double[])[1, -1])
        {
            var segments = scene.IliacWing(z, side);
            foreach (var pass in (double[])[0, -IliacShellMm])
            {
                foreach (var (ax, ay, bx, by, radius) in segments)
                {
                    var box = new Aabb(Math.Min(ax, bx) - radius - 1, Math.Min(ay, by) - radius - 1, z - 1, Math.Max(ax, bx) + radius + 1, Math.Max(ay, by) + radius + 1, z + 1);
                    if (!canvas.Range(box, z, out var i0, out var i1, out var j0, out var j1))
                    {
                        continue;
                    }

                    for (var j = j0; j <= j1; j++)
                    {
                        var y = canvas.Y(j);
                        for (var i = i0; i <= i1; i++)
                        {
                            var x = canvas.X(i);
                            if (Sdf.Segment2D(x, y, ax, ay, bx, by) - radius < pass)
                            {
                                values[(j * canvas.Columns) + i] = (float)(pass == 0
                                    ? 0.85 * hu.CorticalBone
                                    : IliacMarrowHu + hu.TrabecularContrastOffset + scene.Texture(x, y, z));
                            }
                        }
                    }
                }
            }
        }
    }
}
