using System.Numerics;

namespace CtBone.Dicom;

/// <summary>Stored pixel values to whole HU: value × RescaleSlope + RescaleIntercept (0028,1053 and 0028,1052), rounded and clamped to 16 bits.</summary>
internal static class HuConversion
{
    public static long Rescale(ReadOnlySpan<short> stored, Span<short> hu, double slope, double intercept) => RescaleAny(stored, hu, slope, intercept);

    public static long Rescale(ReadOnlySpan<ushort> stored, Span<short> hu, double slope, double intercept) => RescaleAny(stored, hu, slope, intercept);

    public static long Rescale(ReadOnlySpan<sbyte> stored, Span<short> hu, double slope, double intercept) => RescaleAny(stored, hu, slope, intercept);

    public static long Rescale(ReadOnlySpan<byte> stored, Span<short> hu, double slope, double intercept) => RescaleAny(stored, hu, slope, intercept);

    // Generic math over value types is specialised by the JIT, so the per-voxel widening costs nothing.
    private static long RescaleAny<T>(ReadOnlySpan<T> stored, Span<short> hu, double slope, double intercept)
        where T : unmanaged, IBinaryInteger<T>
    {
        long clamped = 0;
        if (slope == 1 && intercept == Math.Round(intercept) && Math.Abs(intercept) < 1 << 20)
        {
            var offset = (int)intercept;
            for (var i = 0; i < stored.Length; i++)
            {
                var v = int.CreateTruncating(stored[i]) + offset;
                if (v is < short.MinValue or > short.MaxValue)
                {
                    clamped++;
                    v = Math.Clamp(v, short.MinValue, short.MaxValue);
                }

                hu[i] = (short)v;
            }

            return clamped;
        }

        for (var i = 0; i < stored.Length; i++)
        {
            var v = Math.Round((int.CreateTruncating(stored[i]) * slope) + intercept, MidpointRounding.AwayFromZero);
            if (v is < short.MinValue or > short.MaxValue)
            {
                clamped++;
                v = Math.Clamp(v, short.MinValue, short.MaxValue);
            }

            hu[i] = (short)v;
        }

        return clamped;
    }
}
