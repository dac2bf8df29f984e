using System.Text.Json;
using CtBone.Core.Series;

namespace CtBone.Dicom.Isolation;

/// <summary>
/// The child side of <see cref="IsolatedStudyLoader"/>: <c>ctbone-dicom-host --serve</c>. Serves one load at a
/// time, each a <see cref="DecodeRequest"/> line on standard input, for as long as the parent keeps standard input
/// open, so that the .NET start and the JIT are paid once per host rather than once per study.
/// </summary>
public static class DecodeHostProgram
{
    public const int Done = 0;
    public const int BadArguments = 64;

    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args is not ["--serve"])
        {
            Console.Error.WriteLine("usage: ctbone-dicom-host --serve   (then one JSON decode request per line on standard input)");
            return BadArguments;
        }

        // The parent closes our input when it stops us, and the kernel does when the parent dies: either way this host ends.
        while (Console.In.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var request = JsonSerializer.Deserialize(line, DecodeHostJson.Default.DecodeRequest)
                ?? throw new InvalidDataException("an empty decode request");
            Serve(request);
            Console.Out.WriteLine(request.DoneLine);
            Console.Out.Flush();
        }

        return Done;
    }

    private static void Serve(DecodeRequest request)
    {
        var loader = new StudyLoader(new StudyLoaderOptions { MaxDegreeOfParallelism = request.Threads });
        StudyLoadResult result;
        using (var journal = new FileDecodeJournal(request.JournalPath))
        using (var volume = new FileVolumeStore(request.VolumePath))
        {
            result = loader.Load(request.Path, journal, request.Excluded, volume, CancellationToken.None);
        }

        // The report is written last, through a rename, so that the parent never reads half of one.
        var partial = request.ReportPath + ".partial";
        File.WriteAllBytes(partial, JsonSerializer.SerializeToUtf8Bytes(result, DecodeHostJson.Default.StudyLoadResult));
        File.Move(partial, request.ReportPath);
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
