using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using CtBone.Core;
using CtBone.Core.Series;

namespace CtBone.Dicom.Isolation;

/// <summary>
/// The child side of <see cref="IsolatedStudyLoader"/>: <c>ctbone-dicom-host PATH REPORT VOLUME JOURNAL EXCLUDED THREADS</c>.
/// Writes the report as JSON and, when a series loaded, its HU voxels as raw little-endian int16.
/// </summary>
public static class DecodeHostProgram
{
    public const int Done = 0;
    public const int BadArguments = 64;

    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length != 6 || !int.TryParse(args[5], NumberStyles.None, CultureInfo.InvariantCulture, out var threads) || threads < 1)
        {
            Console.Error.WriteLine("usage: ctbone-dicom-host PATH REPORT VOLUME JOURNAL EXCLUDED THREADS");
            return BadArguments;
        }

        var (path, reportPath, volumePath, journalPath, excludedPath) = (args[0], args[1], args[2], args[3], args[4]);
        var excluded = File.Exists(excludedPath)
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllBytes(excludedPath), CtBoneJson.Options)
            : null;
        using var journal = new FileDecodeJournal(journalPath);
        var loader = new StudyLoader(new StudyLoaderOptions { MaxDegreeOfParallelism = threads });
        var result = loader.Load(path, journal, excluded);
        if (result.Volume is { } volume)
        {
            using var stream = new FileStream(volumePath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
            stream.Write(MemoryMarshal.AsBytes(volume.Hu.AsSpan()));
        }

        // The report is written last, through a rename, so that the parent never reads half of one.
        var partial = reportPath + ".partial";
        File.WriteAllBytes(partial, JsonSerializer.SerializeToUtf8Bytes(result, CtBoneJson.Options));
        File.Move(partial, reportPath);
        return Done;
    }

    private sealed class FileDecodeJournal(string path) : IDecodeJournal, IDisposable
    {
        private readonly StreamWriter _writer = new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), System.Text.Encoding.UTF8);

        public void BeforeFile(string path) => Write('B', path);

        public void AfterFile(string path) => Write('E', path);

        private void Write(char mark, string path)
        {
            lock (_writer)
            {
                _writer.Write(mark);
                _writer.Write('\t');
                _writer.Write(path);
                _writer.Write('\n');

                // To the kernel, not to disk: the journal must survive the process, not the machine.
                _writer.Flush();
            }
        }

        public void Dispose() => _writer.Dispose();
    }
}
