using CtBone.Core.Phantoms;
using CtBone.Dicom.Writing;

namespace CtBone.Benchmarks;

/// <summary>The benchmark's input: one 512² lumbar phantom series written in each transfer syntax measured.</summary>
internal static class BenchmarkSeries
{
    public static void Generate(string target, int slices)
    {
        var options = new PhantomOptions { Name = "bench", MatrixSize = 512, PixelSpacingMm = 0.78, SliceThicknessMm = 0.8, SliceSpacingMm = 0.8, Seed = 7 };
        var primary = LumbarPhantom.Generate(options).Primary;
        var volume = primary.Volume;
        if (volume.Geometry.Slices > slices)
        {
            var g = volume.Geometry;
            var hu = volume.Hu.AsSpan(0, g.SliceLength * slices).ToArray();
            volume = new Core.Volumes.CtVolume(g with { Slices = slices }, hu);
        }

        var syntaxes = new Dictionary<string, PixelTransferSyntax>
        {
            ["explicit"] = PixelTransferSyntax.ExplicitVrLittleEndian,
            ["jpeg"] = PixelTransferSyntax.JpegLossless,
            ["j2k"] = PixelTransferSyntax.Jpeg2000Lossless,
            ["rle"] = PixelTransferSyntax.RleLossless,
        };
        foreach (var (name, syntax) in syntaxes)
        {
            var attributes = primary.Attributes with
            {
                Encoding = primary.Attributes.Encoding with { TransferSyntax = syntax },
                SopInstanceUids = primary.Attributes.SopInstanceUids.Take(volume.Geometry.Slices).ToList(),
            };
            CtSeriesWriter.Write(volume, attributes, Path.Combine(target, name), DicomFileNaming.Plain, CancellationToken.None);
            Console.WriteLine($"{name}: {volume.Geometry.Slices} slices of {volume.Geometry.Columns}x{volume.Geometry.Rows}");
        }
    }
}
