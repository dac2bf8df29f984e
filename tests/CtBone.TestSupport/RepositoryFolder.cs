namespace CtBone.TestSupport;

/// <summary>Folders of the repository the tests run from.</summary>
public static class RepositoryFolder
{
    /// <summary>The folder above the test output that holds CtBone.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A bundled study under test-dicoms/ (see test-dicoms/README.md).</summary>
    public static string TestDicoms(string study) => Path.Combine(Root, "test-dicoms", study);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CtBone.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("CtBone.sln not found above " + AppContext.BaseDirectory);
    }
}
