using CtBone.Core.Phantoms;

namespace CtBone.Core.Tests.Phantoms;

public sealed class StorageEncodingTests
{
    [Theory]
    [InlineData(1, -1024, true, 16, 0, 1024)]
    [InlineData(1, -1024, false, 12, -1024, 0)]
    [InlineData(1, -1024, false, 12, 5000, 4095)]
    [InlineData(1, 0, true, 12, 3000, 2047)]
    [InlineData(1, 0, true, 12, -3000, -2048)]
    [InlineData(0.5, -1024, true, 16, 100, 2248)]
    [InlineData(2, -1000, true, 16, 101, 551)]
    [InlineData(2, -1000, true, 16, -101, 450)]
    public void ToStored_WhenEncoded_RoundsHalfAwayFromZeroAndClamps(double slope, double intercept, bool isSigned, int bits, double hu, int stored)
    {
        var encoding = new StorageEncoding { RescaleSlope = slope, RescaleIntercept = intercept, IsSigned = isSigned, BitsStored = bits };

        Assert.Equal(stored, encoding.ToStored(hu));
    }

    [Fact]
    public void Representable_WhenSlopeIsTwo_SnapsToTheSlopeGrid()
    {
        var encoding = new StorageEncoding { RescaleSlope = 2, RescaleIntercept = -1000 };

        Assert.Equal(102, encoding.Representable(101));
        Assert.Equal(100, encoding.Representable(100));
        Assert.Equal(encoding.Representable(101), encoding.Representable(encoding.Representable(101)));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(17)]
    public void Validate_WhenBitsStoredIsOutOfRange_Throws(int bits)
    {
        var encoding = new StorageEncoding { BitsStored = bits };

        Assert.Throws<ArgumentException>(encoding.Validate);
    }
}
