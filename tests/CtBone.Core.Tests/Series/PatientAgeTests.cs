using CtBone.Core.Series;

namespace CtBone.Core.Tests.Series;

public class PatientAgeTests
{
    [Theory]
    [InlineData("067Y", 67)]
    [InlineData("018M", 1.5)]
    [InlineData("052W", 52 * 7 / 365.25)]
    public void From_WhenPatientAgeIsGiven_ParsesItsUnit(string text, double years)
    {
        var age = PatientAge.From(text, null, null);

        Assert.NotNull(age);
        Assert.Equal(years, age!.Years, 6);
        Assert.Equal("PatientAge", age.Source);
    }

    [Fact]
    public void From_WhenOnlyDatesAreGiven_CountsWholeYearsBeforeTheBirthday()
    {
        var age = PatientAge.From(null, new DateOnly(1950, 6, 15), new DateOnly(2020, 6, 14));

        Assert.Equal(69, age!.Years);
        Assert.Equal("PatientBirthDate and StudyDate", age.Source);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Y")]
    [InlineData("abcY")]
    [InlineData("999Y")]
    public void From_WhenNothingUsableIsGiven_StaysMissing(string? text) =>
        Assert.Null(PatientAge.From(text, null, new DateOnly(2020, 1, 1)));
}
