using CtBone.Core.Analysis;
using CtBone.Core.Volumes;
using CtBone.Dicom.Writing;

namespace CtBone.Dicom.Tests.Writing;

public sealed class RoiEllipseTests
{
    [Theory]
    [InlineData(0.7, 0.7, 0)]
    [InlineData(0.7, 0.7, 30)]
    [InlineData(0.5, 0.9, 0)]
    [InlineData(0.5, 0.9, 35)]
    public void ToScoord_WhenPixelsAndAxisVary_EndpointsLieOnTheMmEllipseAndTheAxesArePerpendicularAndOrdered(double rowSpacing, double columnSpacing, double degrees)
    {
        // A feet-first series seen from below: rows run right to left (-x), columns posterior to anterior (-y).
        var plane = new ImagePlane(new Vector3D(120, 90, -40), new Vector3D(-1, 0, 0), new Vector3D(0, -1, 0), rowSpacing, columnSpacing);
        var angle = degrees * Math.PI / 180;
        var axis = new Vector3D(Math.Cos(angle), Math.Sin(angle), 0);
        var roi = new RoiGeometry { SemiAxisMajorMm = 9, SemiAxisMinorMm = 5, MajorAxis = axis.ToArray(), MidSlice = 0, Slices = [0], SliceCentersMm = [] };
        var centre = new Vector3D(10, 20, -40);

        var ellipse = RoiEllipse.ToScoord(roi, centre, plane);

        Assert.Equal(plane.ToImage(centre).Column, ellipse.Center.Column, 9);
        Assert.Equal(plane.ToImage(centre).Row, ellipse.Center.Row, 9);
        var minorAxis = new Vector3D(-axis.Y, axis.X, 0);
        var lengths = new List<double>();
        foreach (var (column, row) in ellipse.Points)
        {
            var d = plane.ToPatient(column, row) - centre;
            var u = d.Dot(axis) / roi.SemiAxisMajorMm;
            var v = d.Dot(minorAxis) / roi.SemiAxisMinorMm;
            Assert.Equal(1, (u * u) + (v * v), 6);
        }

        (double C, double R) Vector(int a, int b) => (ellipse.Points[a].Column - ellipse.Points[b].Column, ellipse.Points[a].Row - ellipse.Points[b].Row);
        var (mc, mr) = Vector(0, 1);
        var (nc, nr) = Vector(2, 3);
        Assert.Equal(0, (mc * nc) + (mr * nr), 6);
        Assert.True(Math.Sqrt((mc * mc) + (mr * mr)) >= Math.Sqrt((nc * nc) + (nr * nr)));
    }

    [Fact]
    public void ImagePlane_ToImage_CentreOfTheFirstPixelIsHalfHalf()
    {
        var plane = new ImagePlane(new Vector3D(-100, -80, 12), Vector3D.UnitX, Vector3D.UnitY, 0.8, 0.6);

        Assert.Equal((0.5, 0.5), plane.ToImage(new Vector3D(-100, -80, 12)));
        var (column, row) = plane.ToImage(new Vector3D(-94, -78.4, 12));
        Assert.Equal(10.5, column, 9);
        Assert.Equal(2.5, row, 9);
    }
}

public sealed class DicomItemTests
{
    [Theory]
    [InlineData("L1–L4 mean ≤ 110 HU (Grünewald), 236 ± 42", "L1-L4 mean <= 110 HU (Gruenewald), 236 +/- 42")]
    [InlineData("120 mg/cm³ and −5", "120 mg/cm3 and -5")]
    [InlineData("plain text", "plain text")]
    public void Ascii_WhenWordingHasOtherCharacters_SpelledOutInAscii(string text, string expected) =>
        Assert.Equal(expected, DicomItem.Ascii(text));
}
