using System.Runtime.ExceptionServices;
using UringSafe.Async;
using static Tmds.Linux.LibC;

namespace UringSafe.Tests.Support;

/// <summary>
/// Runs a scenario that may hang on a thread of its own and fails the test, instead of hanging the test host, when it
/// does not finish in time. Reactors get a fresh thread each (see <see cref="Net.NetRuntime"/>: a thread's registered
/// ring table holds at most 16 rings).
/// </summary>
internal static class Watchdog
{
    /// <summary>How long a scenario may run before the watchdog fails it.</summary>
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(10);

    /// <summary>Runs <paramref name="main"/> with <see cref="UringRuntime.Run(Func{Task}, ReactorOptions?)"/> on its own thread.</summary>
    public static void Run(string scenario, Func<Task> main, ReactorOptions? options = null, TimeSpan? limit = null)
        => RunThread(scenario, () => UringRuntime.Run(main, options), limit);

    /// <summary>Runs <paramref name="body"/> on its own (background) thread; rethrows what it threw; fails if it is still
    /// running after <paramref name="limit"/> (the thread is then abandoned, still blocked).</summary>
    public static void RunThread(string scenario, Action body, TimeSpan? limit = null)
    {
        TimeSpan max = limit ?? DefaultLimit;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        }, 4 << 20)
        { IsBackground = true, Name = "watchdog: " + scenario };
        thread.Start();
        if (!thread.Join(max))
            Assert.Fail($"Watchdog: '{scenario}' did not finish within {max.TotalSeconds:0.#} s; it hangs (its thread is left blocked).");
        error?.Throw();
    }

    /// <summary>On a reactor: waits for <paramref name="task"/> at most <paramref name="timeout"/>; true when it finished.
    /// The timer is the thread pool's, so a reactor that stopped dispatching its own completions still wakes.</summary>
    public static async Task<bool> FinishesWithin(Task task, TimeSpan timeout)
    {
        if (task.IsCompleted)
            return true;
        using var stop = new CancellationTokenSource();
        Task winner = await Task.WhenAny(task, Task.Delay(timeout, stop.Token));
        stop.Cancel();
        return winner == task;
    }
}

/// <summary>Looks at this process's descriptors through /proc/self/fd, and moves new ones onto a chosen number.</summary>
internal static unsafe class FdProbe
{
    private const int FGetFd = 1; // F_GETFD
    public const int SolSocket = 1, SoSndBuf = 7, SoRcvBuf = 8;
    private const int MsgDontWait = 0x40;

    /// <summary>What fd <paramref name="fd"/> points at ("socket:[123]", "/tmp/x", "pipe:[7]"), or null when it is not open.</summary>
    public static string? Target(int fd)
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The fds of this process that point at <paramref name="target"/>.</summary>
    public static List<int> FdsPointingTo(string target)
    {
        var found = new List<int>();
        foreach (string path in Directory.GetFiles("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(path), out int fd) && Target(fd) == target)
                found.Add(fd);
        }
        return found;
    }

    /// <summary>Every open fd and what it points at, one per line.</summary>
    public static string Dump()
    {
        var lines = new List<(int, string)>();
        foreach (string path in Directory.GetFiles("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(path), out int fd))
                lines.Add((fd, Target(fd) ?? "(closed meanwhile)"));
        }
        return string.Join("\n", lines.OrderBy(l => l.Item1).Select(l => $"{l.Item1} -> {l.Item2}"));
    }

    public static bool IsOpen(int fd) => fcntl(fd, FGetFd) != -1;

    /// <summary>
    /// Makes <paramref name="fd"/> (just opened) live under the number <paramref name="wanted"/>: usually the kernel
    /// already handed out the lowest free number, which is <paramref name="wanted"/>; if another thread took a lower one
    /// meanwhile, dup3 moves it there (only while <paramref name="wanted"/> is free, never closing somebody else's fd).
    /// </summary>
    public static int MoveTo(int fd, int wanted)
    {
        if (fd == wanted)
            return fd;
        if (IsOpen(wanted))
        {
            close(fd);
            throw new InvalidOperationException($"fd {wanted} was taken by someone else ({Target(wanted)}) before the test could reuse it.");
        }
        if (dup3(fd, wanted, O_CLOEXEC) != wanted)
            throw new InvalidOperationException($"dup3({fd}, {wanted}) failed: errno {errno}");
        close(fd);
        return wanted;
    }

    /// <summary>Opens <paramref name="path"/> read-write under the number <paramref name="wanted"/>.</summary>
    public static int OpenOn(string path, int wanted)
    {
        byte[] p = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        int fd;
        fixed (byte* pp = p)
            fd = open(pp, O_RDWR | O_CLOEXEC, 0);
        if (fd < 0)
            throw new InvalidOperationException($"open({path}) failed: errno {errno}");
        return MoveTo(fd, wanted);
    }

    /// <summary>A Unix stream socket pair whose first end lives under the number <paramref name="wanted"/>.</summary>
    public static (int OnWanted, int Peer) SocketPairOn(int wanted)
    {
        int* fds = stackalloc int[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
            throw new InvalidOperationException($"socketpair failed: errno {errno}");
        if (fds[1] == wanted)
            return (fds[1], fds[0]);
        return (MoveTo(fds[0], wanted), fds[1]);
    }

    /// <summary>A fresh socket of the given kind under the number <paramref name="wanted"/>.</summary>
    public static int SocketOn(int wanted, int family, int type)
    {
        int fd = socket(family, type | SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw new InvalidOperationException($"socket failed: errno {errno}");
        return MoveTo(fd, wanted);
    }

    /// <summary>Everything readable right now from <paramref name="fd"/> (recv with MSG_DONTWAIT).</summary>
    public static byte[] DrainNow(int fd)
    {
        var all = new List<byte>();
        byte* chunk = stackalloc byte[4096];
        while (true)
        {
            long n = recv(fd, chunk, 4096, MsgDontWait);
            if (n <= 0)
                return all.ToArray();
            all.AddRange(new ReadOnlySpan<byte>(chunk, (int)n).ToArray());
        }
    }

    public static void SetInt(int fd, int level, int name, int value)
    {
        if (setsockopt(fd, level, name, &value, sizeof(int)) != 0)
            throw new InvalidOperationException($"setsockopt({level}, {name}) failed: errno {errno}");
    }

    public static void Close(int fd) => close(fd);
}
