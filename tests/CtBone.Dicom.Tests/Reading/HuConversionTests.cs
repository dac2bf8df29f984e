namespace CtBone.Dicom.Tests.Reading;

/// <summary>The vectorised in-place conversion against the formula, voxel by voxel, with clamping counted.</summary>
public sealed class HuConversionTests
{
    public static TheoryData<int, bool, double, double> Encodings => new()
    {
        { 16, true, 1, -1024 },
        { 16, false, 1, -1024 },
        { 12, true, 1, 0 },
        { 12, false, 1, -1024 },
        { 10, true, 1, 7 },

        // Offsets that push values past ±32767: clamped, and counted.
        { 16, true, 1, 30000 },
        { 16, false, 1, -40000 },
        { 16, false, 0.5, -1024 },
        { 16, true, 2, -1000 },
        { 12, false, 2.5, -1024.5 },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void RescaleInPlace_WhenAnyWordsAndEncoding_EqualsTheFormulaAndCountsClamping(int bitsStored, bool isSigned, double slope, double intercept)
    {
        // An odd length, so that both the vector loop and its scalar tail run.
        var words = new short[(64 * 1024) + 37];
        new Random(bitsStored * 31 + (isSigned ? 1 : 0)).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(words.AsSpan()));
        var expected = new short[words.Length];
        long expectedClamped = 0;
        for (var i = 0; i < words.Length; i++)
        {
            var low = words[i] & ((1 << bitsStored) - 1);
            var stored = isSigned && low >= 1 << (bitsStored - 1) ? low - (1 << bitsStored) : low;
            var hu = Math.Round((stored * slope) + intercept, MidpointRounding.AwayFromZero);
            expectedClamped += hu is < short.MinValue or > short.MaxValue ? 1 : 0;
            expected[i] = (short)Math.Clamp(hu, short.MinValue, short.MaxValue);
        }

        var clamped = HuConversion.RescaleInPlace(words, bitsStored, isSigned, slope, intercept);

        Assert.Equal(expected, words);
        Assert.Equal(expectedClamped, clamped);
    }
}
