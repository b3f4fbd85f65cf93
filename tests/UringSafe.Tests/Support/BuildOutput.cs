namespace UringSafe.Tests.Support;

/// <summary>Finds another project's build output beside this test assembly's configuration (the test project builds it).</summary>
internal static class BuildOutput
{
    /// <summary>The path of <paramref name="assembly"/> built from the project folder <paramref name="projectDir"/>
    /// (relative to the repository root), in this test run's configuration.</summary>
    public static string Find(string projectDir, string assembly)
    {
        string dir = AppContext.BaseDirectory; // tests/UringSafe.Tests/bin/<Configuration>/net10.0/
        string configuration = new DirectoryInfo(dir).Parent!.Name;
        var root = new DirectoryInfo(dir);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "UringSafe.sln")))
            root = root.Parent;
        Assert.True(root is not null, "the repository root (UringSafe.sln) was not found above " + dir);
        string path = Path.Combine(root!.FullName, projectDir, "bin", configuration, "net10.0", assembly);
        Assert.True(File.Exists(path), $"{assembly} was not built at {path}");
        return path;
    }
}
