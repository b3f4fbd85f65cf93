using static Tmds.Linux.LibC;

namespace UringSafe.Tests.Support;

/// <summary>Pipes, socket pairs and temp files for tests, closed on dispose.</summary>
internal sealed unsafe class Fds : IDisposable
{
    private readonly List<int> _open = [];
    private readonly List<string> _files = [];

    public (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw new InvalidOperationException($"pipe2 failed: errno {errno}");
        _open.Add(fds[0]);
        _open.Add(fds[1]);
        return (fds[0], fds[1]);
    }

    public (int A, int B) SocketPair(int type = 1 /* SOCK_STREAM */)
    {
        int* fds = stackalloc int[2];
        if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) != 0) throw new InvalidOperationException($"socketpair failed: errno {errno}");
        _open.Add(fds[0]);
        _open.Add(fds[1]);
        return (fds[0], fds[1]);
    }

    /// <summary>Creates a temp file (optionally with content) and opens it read-write.</summary>
    public int TempFile(byte[]? content = null)
    {
        string path = Path.Combine(Path.GetTempPath(), "uringsafe-test-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, content ?? []);
        _files.Add(path);
        return Open(path);
    }

    public int Open(string path, int flags = 2 /* O_RDWR */)
    {
        byte[] p = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* pp = p)
        {
            int fd = open(pp, flags | O_CLOEXEC, 0);
            if (fd < 0) throw new InvalidOperationException($"open({path}) failed: errno {errno}");
            _open.Add(fd);
            return fd;
        }
    }

    /// <summary>A new number for <paramref name="fd"/>'s open file (close-on-exec), owned by the caller.</summary>
    public static int Dup(int fd)
    {
        int copy = fcntl(fd, 1030 /* F_DUPFD_CLOEXEC */, 0);
        if (copy < 0) throw new InvalidOperationException($"dup failed: errno {errno}");
        return copy;
    }

    public static void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            long n = write(fd, p, data.Length);
            if (n != data.Length) throw new InvalidOperationException($"write failed: {n}, errno {errno}");
        }
    }

    public void Close(int fd)
    {
        if (_open.Remove(fd)) close(fd);
    }

    /// <summary>Hands ownership of <paramref name="fd"/> to someone else (who will close it).</summary>
    public int Forget(int fd)
    {
        _open.Remove(fd);
        return fd;
    }

    /// <summary>
    /// Open fds of this process, after finalizers of earlier tests' garbage have closed theirs, not counting assemblies
    /// and native libraries: the runtime loads those lazily (2 fds per assembly, never unloaded) at any moment, for
    /// example System.Net.NameResolution from the tiered-compilation thread, which once made a count 163 instead of 161.
    /// </summary>
    public static int OpenFdCount() => FdCensus.Targets().Values.Sum();

    /// <inheritdoc cref="FdCensus.IsMappedLibrary"/>
    public static bool IsMappedLibrary(string target) => FdCensus.IsMappedLibrary(target);

    /// <inheritdoc cref="FdCensus.Targets"/>
    public static Dictionary<string, int> OpenFdTargets() => FdCensus.Targets();

    public static void AssertSameFds(Dictionary<string, int> before, Dictionary<string, int> after)
    {
        var diff = after.Keys.Union(before.Keys)
            .Select(k => (Target: k, Delta: after.GetValueOrDefault(k) - before.GetValueOrDefault(k)))
            .Where(d => d.Delta != 0 && !d.Target.StartsWith("/proc/", StringComparison.Ordinal))
            .ToList();
        Assert.True(diff.Count == 0, "open fds changed: " + string.Join(", ", diff.Select(d => $"{d.Target} {d.Delta:+#;-#}")));
    }


    public void Dispose()
    {
        foreach (int fd in _open) close(fd);
        _open.Clear();
        foreach (string f in _files) File.Delete(f);
    }
}
