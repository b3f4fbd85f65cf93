using UringSafe.Raw;

namespace UringSafe.Tool;

/// <summary>The <c>uringsafe</c> command: <c>uringsafe doctor</c> reports what io_uring can do here and how to fix what can't.</summary>
internal static class Program
{
    /// <summary>io_uring works (problems, if any, are limitations).</summary>
    private const int Ok = 0;
    /// <summary>io_uring cannot be used by this process.</summary>
    private const int Unusable = 1;
    /// <summary>Bad command line.</summary>
    private const int Usage = 2;

    private static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage(args.Length == 0 ? Console.Error : Console.Out);
            return args.Length == 0 ? Usage : Ok;
        }
        if (args[0] is "--version")
        {
            Console.WriteLine(typeof(UringCapabilities).Assembly.GetName().Version?.ToString(3));
            return Ok;
        }
        if (args[0] != "doctor" || args.Length > 1)
        {
            Console.Error.WriteLine($"uringsafe: unknown command '{string.Join(' ', args)}'.");
            PrintUsage(Console.Error);
            return Usage;
        }
        return Doctor();
    }

    private static int Doctor()
    {
        UringCapabilities caps = UringCapabilities.Current;
        Console.Write(caps.Report());
        Console.WriteLine();
        if (!caps.IsUsable)
        {
            Console.WriteLine($"Verdict: io_uring is NOT usable by this process (cause: {caps.Unavailable!.Cause}); the fix is above.");
            return Unusable;
        }
        int warnings = caps.Problems.Count;
        Console.WriteLine(warnings == 0
            ? "Verdict: io_uring is usable, and everything UringSafe relies on works."
            : $"Verdict: io_uring is usable, with {warnings} problem(s) above; each has its fix.");
        return Ok;
    }

    private static void PrintUsage(TextWriter w)
    {
        w.WriteLine("usage: uringsafe doctor");
        w.WriteLine();
        w.WriteLine("  doctor   Probe this kernel (each feature UringSafe relies on is tried for real) and print the kernel");
        w.WriteLine("           version, the opcodes, the features, io_uring's sysctls, seccomp and RLIMIT_MEMLOCK, what the");
        w.WriteLine("           runtime will use or fall back to, and the fix for each problem. Exit code 1 when io_uring is");
        w.WriteLine("           unusable, 0 otherwise.");
        w.WriteLine();
        w.WriteLine($"Overrides for backported kernels: {UringCapabilities.EnvironmentVariable}=-SendZc,+MultishotRecv,-op:Socket");
    }
}
