using System.Numerics;
using System.Runtime.InteropServices;

namespace CtBone.Dicom;

/// <summary>Stored pixel values to whole HU: value × RescaleSlope + RescaleIntercept (0028,1053 and 0028,1052), rounded and clamped to 16 bits.</summary>
internal static class HuConversion
{
    public static long Rescale(ReadOnlySpan<short> stored, Span<short> hu, double slope, double intercept) => RescaleAny(stored, hu, slope, intercept);

    public static long Rescale(ReadOnlySpan<ushort> stored, Span<short> hu, double slope, double intercept) => RescaleAny(stored, hu, slope, intercept);

    public static long Rescale(ReadOnlySpan<sbyte> stored, Span<short> hu, double slope, double intercept) => RescaleAny(stored, hu, slope, intercept);

    public static long Rescale(ReadOnlySpan<byte> stored, Span<short> hu, double slope, double intercept) => RescaleAny(stored, hu, slope, intercept);

    /// <summary>
    /// Little-endian 16-bit stored values (BitsAllocated 16) to HU; <paramref name="signed"/> is PixelRepresentation 1.
    /// </summary>
    public static long Rescale(ReadOnlySpan<byte> stored16, bool signed, Span<short> hu, double slope, double intercept) => signed
        ? Rescale(MemoryMarshal.Cast<byte, short>(stored16), hu, slope, intercept)
        : Rescale(MemoryMarshal.Cast<byte, ushort>(stored16), hu, slope, intercept);

    /// <summary>
    /// Converts 16-bit stored values to HU where they lie. Only the low <paramref name="bitsStored"/> bits count,
    /// sign-extended when <paramref name="signed"/>, as GDCM's raw codec does with BitsStored below BitsAllocated
    /// (overlay or junk bits above BitsStored are dropped).
    /// </summary>
    public static long RescaleInPlace(Span<short> values, int bitsStored, bool signed, double slope, double intercept)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bitsStored, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bitsStored, 16);
        if (TryWholeOffset(slope, intercept, out var offset))
        {
            return signed
                ? OffsetInPlace<SignedBits>(values, bitsStored, offset)
                : OffsetInPlace<UnsignedBits>(values, bitsStored, offset);
        }

        long clamped = 0;
        var shift = 32 - bitsStored;
        var mask = (1 << bitsStored) - 1;
        for (var i = 0; i < values.Length; i++)
        {
            var stored = signed ? (values[i] << shift) >> shift : values[i] & mask;
            clamped += Store(Math.Round((stored * slope) + intercept, MidpointRounding.AwayFromZero), out values[i]);
        }

        return clamped;
    }

    /// <summary>Slope 1 and a whole intercept (nearly every CT): integer arithmetic, no rounding.</summary>
    private static bool TryWholeOffset(double slope, double intercept, out int offset)
    {
        var whole = slope == 1 && intercept == Math.Round(intercept) && Math.Abs(intercept) < 1 << 20;
        offset = whole ? (int)intercept : 0;
        return whole;
    }

    private static long OffsetInPlace<TBits>(Span<short> values, int bitsStored, int offset)
        where TBits : IStoredBits
    {
        long clamped = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<short>.Count)
        {
            var add = new Vector<int>(offset);
            var low = new Vector<int>(short.MinValue);
            var high = new Vector<int>(short.MaxValue);
            var vectors = MemoryMarshal.Cast<short, Vector<short>>(values);
            for (var v = 0; v < vectors.Length; v++)
            {
                var (a, b) = TBits.Widen(vectors[v], bitsStored);
                a += add;
                b += add;
                var outsideA = Vector.LessThan(a, low) | Vector.GreaterThan(a, high);
                var outsideB = Vector.LessThan(b, low) | Vector.GreaterThan(b, high);
                if ((outsideA | outsideB) != Vector<int>.Zero)
                {
                    // Lanes outside the range are -1, so the sums count them, negated.
                    clamped -= Vector.Sum(outsideA) + Vector.Sum(outsideB);
                    a = Vector.Min(Vector.Max(a, low), high);
                    b = Vector.Min(Vector.Max(b, low), high);
                }

                vectors[v] = Vector.Narrow(a, b);
            }

            i = vectors.Length * Vector<short>.Count;
        }

        for (; i < values.Length; i++)
        {
            clamped += Store(TBits.Value(values[i], bitsStored) + offset, out values[i]);
        }

        return clamped;
    }

    private static int Store(double value, out short hu)
    {
        var inside = value is >= short.MinValue and <= short.MaxValue;
        hu = (short)Math.Clamp(value, short.MinValue, short.MaxValue);
        return inside ? 0 : 1;
    }

    private static int Store(int value, out short hu)
    {
        var inside = value is >= short.MinValue and <= short.MaxValue;
        hu = (short)Math.Clamp(value, short.MinValue, short.MaxValue);
        return inside ? 0 : 1;
    }

    // Generic math over value types is specialised by the JIT, so the per-voxel widening costs nothing.
    private static long RescaleAny<T>(ReadOnlySpan<T> stored, Span<short> hu, double slope, double intercept)
        where T : unmanaged, IBinaryInteger<T>
    {
        long clamped = 0;
        if (TryWholeOffset(slope, intercept, out var offset))
        {
            for (var i = 0; i < stored.Length; i++)
            {
                clamped += Store(int.CreateTruncating(stored[i]) + offset, out hu[i]);
            }

            return clamped;
        }

        for (var i = 0; i < stored.Length; i++)
        {
            clamped += Store(Math.Round((int.CreateTruncating(stored[i]) * slope) + intercept, MidpointRounding.AwayFromZero), out hu[i]);
        }

        return clamped;
    }

    /// <summary>How the low BitsStored bits of a 16-bit word become a number: two's complement or unsigned.</summary>
    private interface IStoredBits
    {
        static abstract int Value(short word, int bitsStored);

        static abstract (Vector<int> Low, Vector<int> High) Widen(Vector<short> words, int bitsStored);
    }

    private readonly struct SignedBits : IStoredBits
    {
        public static int Value(short word, int bitsStored) => (word << (32 - bitsStored)) >> (32 - bitsStored);

        public static (Vector<int> Low, Vector<int> High) Widen(Vector<short> words, int bitsStored)
        {
            Vector.Widen(words, out var low, out var high);
            var shift = 32 - bitsStored;
            return (Vector.ShiftRightArithmetic(Vector.ShiftLeft(low, shift), shift), Vector.ShiftRightArithmetic(Vector.ShiftLeft(high, shift), shift));
        }
    }

    private readonly struct UnsignedBits : IStoredBits
    {
        public static int Value(short word, int bitsStored) => word & ((1 << bitsStored) - 1);

        public static (Vector<int> Low, Vector<int> High) Widen(Vector<short> words, int bitsStored)
        {
            Vector.Widen(Vector.AsVectorUInt16(words), out var low, out var high);
            var mask = new Vector<int>((1 << bitsStored) - 1);
            return (Vector.AsVectorInt32(low) & mask, Vector.AsVectorInt32(high) & mask);
        }
    }
}
