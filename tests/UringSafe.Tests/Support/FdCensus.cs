namespace UringSafe.Tests.Support;

/// <summary>The process's open fds by kind, for leak checks (no test framework here: the bench's storms use it too).</summary>
internal static class FdCensus
{
    /// <summary>An assembly or native library the runtime mapped (it loads them lazily, at any moment).</summary>
    public static bool IsMappedLibrary(string target)
        => target.EndsWith(".dll", StringComparison.Ordinal) || target.EndsWith(".so", StringComparison.Ordinal) || target.Contains(".so.", StringComparison.Ordinal);

    /// <summary>Open fds of this process by /proc/self/fd link target, counted.</summary>
    public static Dictionary<string, int> Targets()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var targets = new Dictionary<string, int>();
        foreach (string fd in Directory.GetFiles("/proc/self/fd"))
        {
            string target;
            try
            {
                target = new FileInfo(fd).LinkTarget ?? "?";
            }
            catch (IOException)
            {
                continue; // closed meanwhile (the directory's own fd)
            }
            if (IsMappedLibrary(target))
                continue; // the runtime loads assemblies (2 fds each) and native libraries lazily, at any moment
            if (target.StartsWith("pipe:", StringComparison.Ordinal))
                continue; // CoreCLR gives each thread it starts a pipe of its own: thread-pool threads come and go
            if (target.StartsWith("socket:", StringComparison.Ordinal))
                target = "socket"; // inode numbers differ from run to run: compare kinds
            targets[target] = targets.GetValueOrDefault(target) + 1;
        }
        return targets;
    }
}
