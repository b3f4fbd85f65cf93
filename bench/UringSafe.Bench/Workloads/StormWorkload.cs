using System.Globalization;
using System.Runtime.InteropServices;
using UringSafe.Async;
using UringSafe.Diagnostics;
using UringSafe.Tests.Support;

namespace UringSafe.Bench.Workloads;

/// <summary>
/// <c>storm</c>: a pass/fail soak of the runtime under fault injection (not a measurement, so not a <see cref="Harness.Workload"/>).
/// Runs the storm of <c>tests/UringSafe.Tests/Support/FaultStorm.cs</c> (linked into this project; the CI test
/// <c>FaultInjectionStormTests</c> runs the same code at 10,000 operations): files, TCP pairs on loopback, multishot
/// accept and receive, timers and opens/closes on one reactor with a 16-entry ring, every fault of the injector on and
/// half of the operations cancelled at a random moment. Prints the counts (by kind, cancelled, faults injected, errors by
/// type), the rate and the invariants; exit code 0 when every invariant held, 1 otherwise.
/// </summary>
internal static class StormWorkload
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench/UringSafe.Bench -- storm [options]

          --ops N          operations to run (default 1,000,000)
          --seed S         seed of the fault injector and of every worker's decisions (default 1)
          --cancel F       fraction of operations cancelled at a random moment (default 0.5)
          --stall S        fail if no operation finishes for S seconds (default 60)
          --faults LIST    fault rates, e.g. error=0.1,short=0.15,delay=0.1,race=0.05,sqfull=0.05,overflow=0.05
                           (the default); names left out keep their default, 0 turns one off
        """;

    public static int Run(string[] args)
    {
        long ops = 1_000_000;
        int seed = 1;
        double cancel = 0.5;
        int stall = 60;
        FaultInjectionOptions faults = StormOptions.DefaultFaults(0);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            switch (a)
            {
                case "-h" or "--help": Console.WriteLine(Usage); return 0;
                case "--ops": ops = long.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n > 0 ? n : throw new ArgumentException("--ops needs a positive integer"); break;
                case "--seed": seed = int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) ? s : throw new ArgumentException("--seed needs an integer"); break;
                case "--cancel": cancel = double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out double c) && c is >= 0 and <= 1 ? c : throw new ArgumentException("--cancel needs a number from 0 to 1"); break;
                case "--faults": faults = ParseFaults(Next(), faults); break;
                case "--stall": stall = int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int t) && t > 0 ? t : throw new ArgumentException("--stall needs a positive integer"); break;
                default: throw new ArgumentException("unknown storm option " + a);
            }
        }

        Console.WriteLine($"storm: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}");

        // A short untimed round first: what the runtime and its paths open once for the life of the process (and JIT)
        // is then part of the fd baseline of the real run.
        StormReport warm = FaultStorm.Run(new StormOptions { Seed = seed + 1_000_000, Faults = faults with { Seed = seed + 1_000_000 }, Operations = 2_000, CancelFraction = cancel, CheckFds = false });
        Console.WriteLine($"storm: warm-up {warm.TotalStarted:N0} operations in {warm.Elapsed.TotalSeconds:F1} s, {warm.ViolationCount} violations");

        StormReport report = FaultStorm.Run(new StormOptions
        {
            Seed = seed,
            Faults = faults with { Seed = seed },
            Operations = ops,
            CancelFraction = cancel,
            Timeout = TimeSpan.FromSeconds(Math.Max(120, ops / 500)),
            StallTimeout = TimeSpan.FromSeconds(stall),
            Progress = Console.Out,
        });
        Console.Write(report.Format());
        bool pass = report.ViolationCount == 0 && warm.ViolationCount == 0 && report.Finished;
        Console.WriteLine(pass ? "storm: PASS" : "storm: FAIL");
        return pass ? 0 : 1;
    }

    private static FaultInjectionOptions ParseFaults(string list, FaultInjectionOptions f)
    {
        foreach (string item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] kv = item.Split('=', 2);
            if (kv.Length != 2 || !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double rate) || rate is < 0 or > 1)
                throw new ArgumentException($"--faults: '{item}' is not name=rate with a rate from 0 to 1");
            f = kv[0] switch
            {
                "error" => f with { ErrorRate = rate },
                "short" => f with { ShortTransferRate = rate },
                "delay" => f with { DelayRate = rate },
                "race" => f with { CancelRaceRate = rate },
                "sqfull" => f with { SqFullRate = rate },
                "overflow" => f with { CqOverflowRate = rate },
                _ => throw new ArgumentException($"--faults: unknown fault '{kv[0]}' (error, short, delay, race, sqfull, overflow)"),
            };
        }
        return f;
    }
}
