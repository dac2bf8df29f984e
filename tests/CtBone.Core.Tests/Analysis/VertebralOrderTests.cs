using CtBone.Core.Analysis;

namespace CtBone.Core.Tests.Analysis;

public class VertebralOrderTests
{
    [Theory]
    [InlineData("L1", -1, "T12")]
    [InlineData("T12", 1, "L1")]
    [InlineData("l5", 1, "L6")]
    [InlineData("T1", -1, null)]
    [InlineData("V1", 1, null)]
    [InlineData("S1", -1, null)]
    public void Shift_MovesAlongTheThoracicThenLumbarSequence(string level, int by, string? expected)
    {
        Assert.Equal(expected, VertebralOrder.Shift(level, by));
    }

    [Fact]
    public void HeadToFeet_OrdersThoracicBeforeLumbarAndUnknownLast()
    {
        Assert.Equal(["T11", "T12", "L1", "L10x", "V1"], VertebralOrder.HeadToFeet(["V1", "L1", "T12", "L10x", "T11"]));
    }
}
