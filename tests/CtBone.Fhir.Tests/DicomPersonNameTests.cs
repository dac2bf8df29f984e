using Hl7.Fhir.Model;

namespace CtBone.Fhir.Tests;

public sealed class DicomPersonNameTests
{
    [Fact]
    public void ToHumanNames_WhenAllFiveComponents_FamilyGivenMiddlePrefixSuffixAndText()
    {
        var name = Assert.Single(DicomPersonName.ToHumanNames("Adams^John Robert^Quincy^Rev.^B.A. M.Div."));

        Assert.Equal("Adams", name.Family);
        Assert.Equal(["John Robert", "Quincy"], name.Given);
        Assert.Equal(["Rev."], name.Prefix);
        Assert.Equal(["B.A. M.Div."], name.Suffix);
        Assert.Equal("Rev. John Robert Quincy Adams B.A. M.Div.", name.Text);
        Assert.Equal(HumanName.NameUse.Official, name.Use);
    }

    [Fact]
    public void ToHumanNames_WhenAlphabeticAndIdeographicGroups_OneNameEachTheIdeographicFamilyFirst()
    {
        var names = DicomPersonName.ToHumanNames("Wang^XiaoDong=王^小东=");

        Assert.Equal(2, names.Count);
        Assert.Equal(("Wang", "XiaoDong", "XiaoDong Wang"), (names[0].Family, names[0].Given.Single(), names[0].Text));
        Assert.Equal(("王", "小东", "王 小东"), (names[1].Family, names[1].Given.Single(), names[1].Text));
        Assert.Null(names[1].Use);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("^^^^")]
    public void ToHumanNames_WhenEmpty_NoName(string? personName) => Assert.Empty(DicomPersonName.ToHumanNames(personName));

    [Fact]
    public void ToHumanNames_WhenFamilyOnly_NoGiven()
    {
        var name = Assert.Single(DicomPersonName.ToHumanNames("PHANTOM"));

        Assert.Equal("PHANTOM", name.Family);
        Assert.Empty(name.Given);
    }
}
