using System.Globalization;
using UringSafe.Raw;

namespace UringSafe.Tool;

/// <summary>
/// The <c>uringsafe</c> command: <c>doctor</c> reports what io_uring can do here and how to fix what can't; <c>dump</c>
/// and <c>top</c> show the operations in flight in a running UringSafe process.
/// </summary>
internal static class Program
{
    /// <summary>io_uring works (problems, if any, are limitations); the dump was read.</summary>
    private const int Ok = 0;
    /// <summary>io_uring cannot be used by this process; the process could not be read.</summary>
    private const int Failed = 1;
    /// <summary>Bad command line.</summary>
    private const int Usage = 2;

    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(10);

    private static async Task<int> Main(string[] args)
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
        switch (args[0])
        {
            case "doctor" when args.Length == 1:
                return Doctor();
            case "dump" or "top":
                if (Options.Parse(args.AsSpan(1), top: args[0] == "top") is not { } options)
                    break;
                using (var cancel = new CancellationTokenSource())
                {
                    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
                    return args[0] == "dump" ? await DumpAsync(options, cancel.Token) : await TopAsync(options, cancel.Token);
                }
        }
        Console.Error.WriteLine($"uringsafe: bad command line '{string.Join(' ', args)}'.");
        PrintUsage(Console.Error);
        return Usage;
    }

    private static int Doctor()
    {
        UringCapabilities caps = UringCapabilities.Current;
        Console.Write(caps.Report());
        Console.WriteLine();
        if (!caps.IsUsable)
        {
            Console.WriteLine($"Verdict: io_uring is NOT usable by this process (cause: {caps.Unavailable!.Cause}); the fix is above. " +
                (caps.DefaultDriver == ReactorDriver.UserspaceRing
                    ? "UringSafe programs still run, on the userspace ring; those that require the kernel ring need the fix."
                    : "Reactors set to the kernel ring fail until it is fixed."));
            return Failed;
        }
        int warnings = caps.Problems.Count;
        Console.WriteLine(warnings == 0
            ? "Verdict: io_uring is usable, and everything UringSafe relies on works."
            : $"Verdict: io_uring is usable, with {warnings} problem(s) above; each has its fix.");
        return Ok;
    }

    private static Task<int> DumpAsync(Options options, CancellationToken cancellationToken) => ReadingAsync("dump", async () =>
    {
        IReadOnlyList<InFlightEntry> ops = await InFlightReader.ReadAsync(options.ProcessId, options.Timeout, cancellationToken);
        Console.WriteLine($"UringSafe in process {options.ProcessId}: {ops.Count} operation(s) in flight, oldest first");
        if (ops.Count > 0)
        {
            foreach (string line in InFlightTable.Lines(ops))
                Console.WriteLine(line);
        }
    });

    /// <summary>Re-reads the dump every interval, oldest first; on a terminal, redraws in place and fits its height.</summary>
    private static Task<int> TopAsync(Options options, CancellationToken cancellationToken) => ReadingAsync("top", async () =>
    {
        bool terminal = !Console.IsOutputRedirected;
        for (int frame = 0; options.Frames is not { } n || frame < n; frame++)
        {
            if (frame > 0)
                await Task.Delay(options.Interval, cancellationToken);
            IReadOnlyList<InFlightEntry> ops = await InFlightReader.ReadAsync(options.ProcessId, options.Timeout, cancellationToken);
            int maxRows = terminal ? Math.Max(1, Console.WindowHeight - 4) : int.MaxValue;
            if (terminal)
                Console.Write("\x1b[H\x1b[2J");   // home, clear screen
            Console.WriteLine($"uringsafe top -p {options.ProcessId}: {ops.Count} operation(s) in flight at {DateTime.Now:HH:mm:ss}, oldest first; " +
                $"every {options.Interval.TotalSeconds:0.#} s{(terminal ? ", Ctrl+C quits" : "")}");
            foreach (string line in InFlightTable.Lines(ops, maxRows))
                Console.WriteLine(line);
            if (!terminal)
                Console.WriteLine();
        }
    });

    /// <summary>Runs a reading command: a process that can't be read is exit code 1 with the reason; Ctrl+C is a normal end.</summary>
    private static async Task<int> ReadingAsync(string command, Func<Task> read)
    {
        try
        {
            await read();
            return Ok;
        }
        catch (InFlightReadException e)
        {
            Console.Error.WriteLine($"uringsafe {command}: {e.Message}");
            return Failed;
        }
        catch (OperationCanceledException)
        {
            return Ok;
        }
    }

    private static void PrintUsage(TextWriter w)
    {
        w.WriteLine("usage: uringsafe doctor");
        w.WriteLine("       uringsafe dump -p PID [--timeout SECONDS]");
        w.WriteLine("       uringsafe top -p PID [--interval SECONDS] [-n FRAMES] [--timeout SECONDS]");
        w.WriteLine();
        w.WriteLine("  doctor   Probe this kernel (each feature UringSafe relies on is tried for real) and print the kernel");
        w.WriteLine("           version, the opcodes, the features, io_uring's sysctls, seccomp and RLIMIT_MEMLOCK, what the");
        w.WriteLine("           driver ReactorDriver.Auto picks and why (and URINGSAFE_DRIVER if set), what the runtime will use");
        w.WriteLine("           or fall back to, and the fix for each problem. Exit code 1 when io_uring is unusable (programs");
        w.WriteLine("           then run on the userspace ring unless they require the kernel ring), 0 otherwise.");
        w.WriteLine("  dump     Print the io_uring operations in flight in the running process PID, one line each, oldest first:");
        w.WriteLine("           reactor, user_data, opcode, fd and what it is, age, multishot and cancel state, buffer, and");
        w.WriteLine("           where it was started (with ReactorOptions.CaptureCallSites). Read through the diagnostics IPC");
        w.WriteLine("           (the UringSafe event source's keyword 0x2, as `dotnet-trace collect --providers UringSafe:0x2`).");
        w.WriteLine("           Exit code 1 when the process can't be read.");
        w.WriteLine("  top      The same, refreshed every interval (default 1 s) until Ctrl+C, or FRAMES times.");
        w.WriteLine();
        w.WriteLine($"Overrides for backported kernels: {UringCapabilities.EnvironmentVariable}=-SendZc,+MultishotRecv,-op:Socket");
        w.WriteLine("Driver of reactors left at ReactorDriver.Auto: URINGSAFE_DRIVER=auto|kernel|userspace");
    }

    /// <summary>The options of <c>dump</c> and <c>top</c>.</summary>
    private sealed record Options(int ProcessId, TimeSpan Timeout, TimeSpan Interval, int? Frames)
    {
        /// <summary>Parses <c>-p PID</c> and the rest; null (after saying why on stderr) when they are wrong.</summary>
        public static Options? Parse(ReadOnlySpan<string> args, bool top)
        {
            int? pid = null;
            int? frames = null;
            TimeSpan timeout = s_defaultTimeout, interval = TimeSpan.FromSeconds(1);
            for (int i = 0; i < args.Length; i++)
            {
                string name = args[i];
                if (i + 1 >= args.Length)
                    return Bad($"{name} needs a value");
                string value = args[++i];
                switch (name)
                {
                    case "-p" or "--process-id" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p > 0:
                        pid = p;
                        break;
                    case "--timeout" when Seconds(value) is { } t:
                        timeout = t;
                        break;
                    case "--interval" when top && Seconds(value) is { } t:
                        interval = t;
                        break;
                    case "-n" when top && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0:
                        frames = n;
                        break;
                    default:
                        return Bad($"'{name} {value}' is not an option here, or its value is not valid");
                }
            }
            return pid is { } id ? new Options(id, timeout, interval, frames) : Bad("-p PID is required (`dotnet-trace ps` lists the .NET processes)");
        }

        private static TimeSpan? Seconds(string value)
            => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0 ? TimeSpan.FromSeconds(s) : null;

        private static Options? Bad(string why)
        {
            Console.Error.WriteLine($"uringsafe: {why}.");
            return null;
        }
    }
}
