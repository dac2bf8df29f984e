namespace CtBone.Dicom.Tests.TestSupport;

/// <summary>DICOM files written by other software, as Debian packages ship them (.ci/setup installs the packages).</summary>
public static class RealFiles
{
    /// <summary>python3-pydicom's test files.</summary>
    public const string PydicomFolder = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

    public static string Pydicom(string name) => Path.Combine(PydicomFolder, name);

    /// <summary>octave-dicom's 512×512 CT of an ankle, implicit VR little endian; the package version is in the path.</summary>
    public static string OctaveAnkle()
    {
        const string packages = "/usr/share/octave/packages";
        var found = Directory.Exists(packages)
            ? Directory.EnumerateDirectories(packages, "dicom-*").Select(d => Path.Combine(d, "imdata", "CT-MONO2-16-ankle.dcm")).Where(File.Exists).Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        return found ?? throw new FileNotFoundException("CT-MONO2-16-ankle.dcm not found: install octave-dicom (.ci/setup)");
    }
}
