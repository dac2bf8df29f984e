using CtBone.Core.Series;
using CtBone.Core.Volumes;

namespace CtBone.Core.Tests.Series;

public class SeriesSelectorTests
{
    [Fact]
    public void Select_WhenStudyHasLocalizerReformatThickAndThinAxial_ChoosesThinAxialAndSaysWhyNotTheOthers()
    {
        var thin = SliceHeaders.Axial(120, 1.5, "thin");
        var thick = SliceHeaders.Axial(36, 5, "thick");
        var localizer = SliceHeaders.Axial(1, series: "scout", change: h => h with { ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"], RowDirection = Vector3D.UnitY, ColumnDirection = new Vector3D(0, 0, -1) });
        var sagittal = SliceHeaders.Axial(
            60,
            series: "sag",
            row: Vector3D.UnitY,
            column: new Vector3D(0, 0, -1),
            position: i => new Vector3D(-30 + i, -100, 100),
            change: h => h with { ImageType = ["DERIVED", "SECONDARY", "REFORMATTED"] });

        var selection = new SeriesSelector().Select([.. sagittal, .. thick, .. localizer, .. thin]);

        Assert.Equal("thin", selection.SeriesInstanceUid);
        var reasons = selection.Candidates.ToDictionary(c => c.SeriesInstanceUid, c => c.Reason!);
        Assert.StartsWith("chosen", reasons["thin"], StringComparison.Ordinal);
        Assert.Contains("its slices are 5 mm", reasons["thick"], StringComparison.Ordinal);
        Assert.StartsWith("localizer", reasons["scout"], StringComparison.Ordinal);
        Assert.StartsWith("derived reformat", reasons["sag"], StringComparison.Ordinal);
    }

    [Fact]
    public void Select_WhenOnlyDifferenceIsContrast_ChoosesTheNonContrastSeries()
    {
        var plain = SliceHeaders.Axial(40, 3, "plain");
        var enhanced = SliceHeaders.Axial(80, 1, "enhanced", change: h => h with { ContrastBolusAgent = "Omnipaque 350" });

        var selection = new SeriesSelector().Select([.. enhanced, .. plain]);

        Assert.Equal("plain", selection.SeriesInstanceUid);
        Assert.Contains("contrast", selection.Candidates.Single(c => c.SeriesInstanceUid == "enhanced").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_WhenOnlyContrastSeriesExists_ChoosesItAndWarns()
    {
        var enhanced = SliceHeaders.Axial(40, 2, "enhanced", change: h => h with { SeriesDescription = "Abdomen PORTAL" });

        var selection = new SeriesSelector().Select(enhanced);

        Assert.Equal("enhanced", selection.SeriesInstanceUid);
        Assert.Contains(selection.Warnings, w => w.Contains("contrast", StringComparison.Ordinal));
    }

    [Fact]
    public void Select_WhenKernelsDiffer_PrefersSoftTissue()
    {
        var bone = SliceHeaders.Axial(40, 2, "bone", change: h => h with { ConvolutionKernel = "B70f" });
        var soft = SliceHeaders.Axial(40, 2, "soft", change: h => h with { ConvolutionKernel = "B31f" });

        Assert.Equal("soft", new SeriesSelector().Select([.. bone, .. soft]).SeriesInstanceUid);
    }

    [Fact]
    public void Select_WhenNothingIsCt_RejectsWithEachReason()
    {
        var mr = SliceHeaders.Axial(30, series: "mr", change: h => h with { Modality = "MR" });
        var few = SliceHeaders.Axial(5, series: "few");

        var selection = new SeriesSelector().Select([.. mr, .. few]);

        Assert.Null(selection.SeriesInstanceUid);
        Assert.Contains("modality MR, not CT", selection.Reason, StringComparison.Ordinal);
        Assert.Contains("only 5 image(s)", selection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_WhenSeriesIsSagittalOriginal_SaysNotAxial()
    {
        var sagittal = SliceHeaders.Axial(40, series: "sag", row: Vector3D.UnitY, column: new Vector3D(0, 0, -1), position: i => new Vector3D(i, 0, 0));

        var selection = new SeriesSelector().Select(sagittal);

        Assert.StartsWith("not axial: sagittal", selection.Candidates[0].Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("B30f", KernelSharpness.Soft)]
    [InlineData("Br40d", KernelSharpness.Soft)]
    [InlineData("B70f", KernelSharpness.Sharp)]
    [InlineData("STANDARD", KernelSharpness.Soft)]
    [InlineData("BONEPLUS", KernelSharpness.Sharp)]
    [InlineData("FC08", KernelSharpness.Soft)]
    [InlineData("FC30", KernelSharpness.Sharp)]
    [InlineData("B", KernelSharpness.Soft)]
    [InlineData("YC", KernelSharpness.Sharp)]
    [InlineData("XYZ", KernelSharpness.Unknown)]
    [InlineData(null, KernelSharpness.Unknown)]
    public void Classify_WhenGivenVendorKernel_ReturnsItsSharpness(string? kernel, KernelSharpness expected) =>
        Assert.Equal(expected, ReconstructionKernel.Classify(kernel));
}
