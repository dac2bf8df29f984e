using CtBone.Core.Volumes;

namespace CtBone.Dicom.Writing;

/// <summary>One image file as GDCM reads it back: selected attributes as trimmed text, and HU.</summary>
public sealed record WrittenImage(string TransferSyntaxUid, IReadOnlyDictionary<(ushort Group, ushort Element), string> Attributes, short[] Hu, int Rows, int Columns)
{
    /// <summary>The attribute's text, or "" when the file does not have it.</summary>
    public string this[ushort group, ushort element] => Attributes.TryGetValue((group, element), out var value) ? value : string.Empty;

    public bool Has(ushort group, ushort element) => Attributes.ContainsKey((group, element));
}

/// <summary>
/// Reads back what <see cref="CtSeriesWriter"/> wrote, directly through <see cref="gdcm.ImageReader"/>, to check it:
/// HU = stored value × RescaleSlope + RescaleIntercept, rounded half away from zero. For our own trusted files only:
/// untrusted input goes through the isolated loader.
/// </summary>
public static class WrittenImageReader
{
    /// <exception cref="DicomWriteException">GDCM cannot read or decode the file.</exception>
    public static WrittenImage Read(string path, IEnumerable<(ushort Group, ushort Element)> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        using var reader = new gdcm.ImageReader();
        reader.SetFileName(path);
        if (!reader.Read())
        {
            throw new DicomWriteException($"GDCM cannot read back {Path.GetFileName(path)}.");
        }

        var image = reader.GetImage();
        var file = reader.GetFile();
        using var filter = new gdcm.StringFilter();
        filter.SetFile(file);
        var dataSet = file.GetDataSet();
        var values = new Dictionary<(ushort, ushort), string>();
        foreach (var attribute in attributes)
        {
            if (DicomHeaderReader.ValueText(filter, dataSet, attribute) is { } value)
            {
                values[attribute] = value;
            }
        }

        string syntax;
        using (var ts = file.GetHeader().GetDataSetTransferSyntax())
        {
            syntax = ts.GetString().Trim(' ', '\0');
        }

        var buffer = new byte[image.GetBufferLength()];
        if (!image.GetBuffer(buffer))
        {
            throw new DicomWriteException($"GDCM cannot decode the pixels of {Path.GetFileName(path)}.");
        }

        bool signed;
        using (var format = image.GetPixelFormat())
        {
            signed = format.GetPixelRepresentation() == 1;
        }

        var hu = new short[buffer.Length / 2];
        HuConversion.Rescale(buffer, signed, hu, image.GetSlope(), image.GetIntercept());

        return new WrittenImage(syntax, values, hu, (int)image.GetDimension(1), (int)image.GetDimension(0));
    }

    /// <summary>
    /// Reads every file of a written series and counts the voxels whose HU differ from the volume (slice k is file k).
    /// Zero for every lossless syntax.
    /// </summary>
    public static long CountDifferences(CtVolume volume, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count != volume.Geometry.Slices)
        {
            throw new ArgumentException($"{paths.Count} files for {volume.Geometry.Slices} slices.", nameof(paths));
        }

        long differences = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };
        Parallel.For(0, paths.Count, parallel, k =>
        {
            var read = Read(paths[k], []).Hu;
            var expected = volume.Slice(k);
            long local = read.Length == expected.Length ? 0 : expected.Length;
            for (var i = 0; i < Math.Min(read.Length, expected.Length); i++)
            {
                local += read[i] == expected[i] ? 0 : 1;
            }

            Interlocked.Add(ref differences, local);
        });

        return differences;
    }
}
