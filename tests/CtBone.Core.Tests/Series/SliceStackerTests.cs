using CtBone.Core.Series;
using CtBone.Core.Volumes;

namespace CtBone.Core.Tests.Series;

public class SliceStackerTests
{
    [Fact]
    public void Stack_WhenFilesAreShuffled_OrdersByPositionAlongTheNormal()
    {
        var headers = SliceHeaders.Axial(30);
        var shuffled = headers.OrderBy(h => h.SopInstanceUid.GetHashCode(StringComparison.Ordinal)).Select((h, i) => h with { InstanceNumber = 100 - i }).ToList();

        var outcome = SliceStacker.Stack(shuffled);

        Assert.NotNull(outcome.Stack);
        var z = outcome.Stack!.Slots.Select(s => s.Source!.ImagePositionPatient!.Value.Z).ToList();
        Assert.Equal(z.Order().ToList(), z);
        Assert.Equal(2.5, outcome.Stack.Geometry.SliceSpacingMm, 6);
        Assert.Equal(new Vector3D(-25, -25, -200), outcome.Stack.Geometry.OriginMm);
    }

    [Fact]
    public void Stack_WhenNormalPointsToTheFeet_StillRunsFromFeetToHead()
    {
        // Feet-first series are often written with rows running right to left: row × column then points to the feet.
        var headers = SliceHeaders.Axial(20, row: new Vector3D(-1, 0, 0));

        var stack = SliceStacker.Stack(headers).Stack!;

        Assert.Equal(1, stack.Geometry.SliceDirection.Z, 9);
        Assert.Equal(-1, stack.Geometry.SliceNormal.Z, 9);
        var top = stack.Geometry.ToPatient(0, 0, stack.Geometry.Slices - 1);
        Assert.Equal(-200 + (19 * 2.5), top.Z, 6);
    }

    [Fact]
    public void Stack_WhenOneSliceIsMissing_InterpolatesItAndWarns()
    {
        var headers = SliceHeaders.Axial(30);
        headers.RemoveAt(12);

        var stack = SliceStacker.Stack(headers).Stack!;

        Assert.Equal(30, stack.Geometry.Slices);
        var gap = Assert.Single(stack.Slots, s => s.Source is null);
        Assert.Equal((12, 11, 13), (gap.Index, gap.Below, gap.Above));
        Assert.Contains(stack.Warnings, w => w.Contains("interpolation", StringComparison.Ordinal));
    }

    [Fact]
    public void Stack_WhenThreeAdjacentSlicesAreMissing_RejectsWithTheGap()
    {
        var headers = SliceHeaders.Axial(30);
        headers.RemoveRange(10, 3);

        var outcome = SliceStacker.Stack(headers);

        Assert.Null(outcome.Stack);
        Assert.Contains("gap of 10 mm (3 slices missing)", outcome.RejectionReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Stack_WhenSpacingIsUneven_Rejects()
    {
        var headers = SliceHeaders.Axial(30, position: i => new Vector3D(0, 0, i < 15 ? i * 1.0 : 15 + ((i - 15) * 2.7)));

        var outcome = SliceStacker.Stack(headers);

        Assert.Null(outcome.Stack);
        Assert.StartsWith("uneven slice spacing", outcome.RejectionReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Stack_WhenTheSameInstanceIsThere_Twice_DropsTheCopyWithAWarning()
    {
        var headers = SliceHeaders.Axial(20);
        headers.Add(headers[5] with { FilePath = "/in/copy-of-5" });

        var outcome = SliceStacker.Stack(headers);

        Assert.Equal(20, outcome.Stack!.Geometry.Slices);
        Assert.Contains(outcome.Dropped, d => d.FilePath == "/in/copy-of-5" && d.Reason.StartsWith("duplicate", StringComparison.Ordinal));
    }

    [Fact]
    public void Stack_WhenTwoImagesShareAPosition_Rejects()
    {
        var headers = SliceHeaders.Axial(20);
        headers.Add(headers[5] with { SopInstanceUid = "other", FilePath = "/in/other" });

        var outcome = SliceStacker.Stack(headers);

        Assert.Null(outcome.Stack);
        Assert.Contains("hold two different images", outcome.RejectionReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Stack_WhenGantryIsTilted_KeepsTheTrueSliceDirectionAndWarns()
    {
        // 15° tilt about the x axis: the image planes tilt, and successive positions move straight along z.
        var angle = 15 * Math.PI / 180;
        var column = new Vector3D(0, Math.Cos(angle), -Math.Sin(angle));
        var headers = SliceHeaders.Axial(20, column: column, position: i => new Vector3D(0, 0, i * 3.0), change: h => h with { GantryTiltDegrees = 15 });

        var stack = SliceStacker.Stack(headers).Stack!;

        Assert.Equal(15, stack.TiltDegrees, 1);
        Assert.Equal(1, stack.Geometry.SliceDirection.Z, 9);
        Assert.Equal(3.0, stack.Geometry.SliceSpacingMm, 6);
        Assert.Contains(stack.Warnings, w => w.StartsWith("gantry tilt of 15", StringComparison.Ordinal));
        Assert.Equal(57.0, stack.Geometry.ToPatient(0, 0, 19).Z, 6);
    }

    [Fact]
    public void Stack_WhenOneImageHasAnotherSize_DropsItWithAWarning()
    {
        var headers = SliceHeaders.Axial(40);
        headers[7] = headers[7] with { Rows = 32, Columns = 32 };

        var outcome = SliceStacker.Stack(headers);

        Assert.NotNull(outcome.Stack);
        Assert.Contains(outcome.Dropped, d => d.FilePath == headers[7].FilePath);
        Assert.Contains(outcome.Stack!.Warnings, w => w.Contains("size or orientation", StringComparison.Ordinal));
        Assert.Equal(1, outcome.Stack.InterpolatedCount);
    }

    [Fact]
    public void Stack_WhenSizesAreMixedHalfAndHalf_Rejects()
    {
        var headers = SliceHeaders.Axial(40).Select((h, i) => i % 2 == 0 ? h : h with { Rows = 128, Columns = 128 }).ToList();

        var outcome = SliceStacker.Stack(headers);

        Assert.Null(outcome.Stack);
        Assert.StartsWith("mixed image sizes or orientations", outcome.RejectionReason, StringComparison.Ordinal);
    }
}
