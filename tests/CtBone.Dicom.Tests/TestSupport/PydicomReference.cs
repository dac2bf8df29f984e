using System.Runtime.InteropServices;
using System.Text.Json;
using CtBone.TestSupport;

namespace CtBone.Dicom.Tests.TestSupport;

/// <summary>What pydicom made of one file (tests/tools/pydicom_hu.py writes it).</summary>
public sealed record PydicomFile
{
    public required string File { get; init; }

    public bool Ok { get; init; }

    /// <summary>"pydicom", or "dcmdjpeg then pydicom" when dcmtk decompressed the file for pydicom first.</summary>
    public string? Via { get; init; }

    public string? Error { get; init; }

    public string? TransferSyntax { get; init; }

    public string? Modality { get; init; }

    public int? Rows { get; init; }

    public int? Columns { get; init; }

    public int? BitsAllocated { get; init; }

    public int? BitsStored { get; init; }

    public int? PixelRepresentation { get; init; }

    public int? NumberOfFrames { get; init; }

    public double? RescaleSlope { get; init; }

    public double? RescaleIntercept { get; init; }

    public double[]? PixelSpacing { get; init; }

    public string? Hu { get; init; }

    public int[]? HuShape { get; init; }
}

/// <summary>
/// Runs tests/tools/pydicom_hu.py once, with Debian's /usr/bin/python3 (python3-pydicom, python3-numpy), over a list of
/// files, and serves its per-file header values and HU. One process for all files keeps a test class fast.
/// </summary>
public sealed class PydicomReference : IDisposable
{
    public const string Python = "/usr/bin/python3";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly TempFolder _output = new("ctbone-pydicom");
    private readonly Dictionary<string, PydicomFile> _files;

    public PydicomReference(IEnumerable<string> files)
    {
        var list = files.ToList();
        var script = Path.Combine(RepositoryFolder.Root, "tests", "tools", "pydicom_hu.py");

        // -W ignore: pydicom warns on stderr about MR_small_padded's spare bytes, which is expected.
        ExternalProgram.Run(Python, ["-W", "ignore", script, _output.Path, .. list], TimeSpan.FromMinutes(2));
        using var manifest = JsonDocument.Parse(System.IO.File.ReadAllBytes(_output.File("manifest.json")));
        PydicomVersion = manifest.RootElement.GetProperty("pydicom").GetString() ?? "?";
        _files = manifest.RootElement.GetProperty("files")
            .Deserialize<List<PydicomFile>>(s_json)!
            .ToDictionary(f => f.File, StringComparer.Ordinal);
    }

    public string PydicomVersion { get; }

    public PydicomFile this[string path] => _files[path];

    /// <summary>pydicom's HU of a file it could decode, row after row.</summary>
    public short[] Hu(string path)
    {
        var entry = _files[path];
        if (!entry.Ok || entry.Hu is null)
        {
            throw new InvalidOperationException($"pydicom has no HU for {path}: {entry.Error}");
        }

        var bytes = System.IO.File.ReadAllBytes(_output.File(entry.Hu));
        return MemoryMarshal.Cast<byte, short>(bytes).ToArray();
    }

    public void Dispose() => _output.Dispose();
}
