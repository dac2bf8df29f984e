using System.Globalization;
using System.Text;
using CtBone.Core.Phantoms;

namespace CtBone.Dicom.Writing;

/// <summary>How a phantom study is laid out on disk.</summary>
public sealed record PhantomWriteOptions
{
    /// <summary>File names. Default <see cref="DicomFileNaming.Plain"/>.</summary>
    public DicomFileNaming Naming { get; init; } = DicomFileNaming.Plain;

    /// <summary>One folder per series (SE002, SE005, ...) when true; all files in the study folder when false. Default true.</summary>
    public bool SeriesFolders { get; init; } = true;
}

/// <summary>What was written: the truth as saved (with each series' folder), and the files of each series in slice order.</summary>
public sealed record PhantomWriteResult(PhantomTruth Truth, IReadOnlyDictionary<string, IReadOnlyList<string>> FilesBySeriesUid);

/// <summary>Writes every series of a <see cref="PhantomStudy"/> and its <c>truth.json</c> into one folder.</summary>
public static class PhantomStudyWriter
{
    public const string TruthFileName = "truth.json";

    /// <summary>Writes the study; returns the truth as written, with each series' folder filled in, and the file paths.</summary>
    /// <exception cref="DicomWriteException">GDCM could not encode or write a file.</exception>
    public static PhantomWriteResult Write(PhantomStudy study, string directory, PhantomWriteOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var series in study.Series)
        {
            var folder = options.SeriesFolders
                ? string.Create(CultureInfo.InvariantCulture, $"SE{series.Attributes.SeriesNumber:000}")
                : ".";
            files[series.Attributes.SeriesInstanceUid] = CtSeriesWriter.Write(series.Volume, series.Attributes, Path.Combine(directory, folder), options.Naming, cancellationToken);
            folders[series.Attributes.SeriesInstanceUid] = folder;
        }

        var truth = study.Truth with
        {
            Series = [.. study.Truth.Series.Select(s => s with { Folder = folders.GetValueOrDefault(s.SeriesInstanceUid) })],
        };
        File.WriteAllText(Path.Combine(directory, TruthFileName), truth.ToJson() + "\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return new PhantomWriteResult(truth, files);
    }
}
