using System.Globalization;
using System.Runtime.InteropServices;
using UringSafe.Tests.Support;

namespace UringSafe.Bench.Workloads;

/// <summary>
/// <c>shutdown-storm</c>: a pass/fail soak of stopping (issue 18), not a measurement. Runs the shutdown storm of
/// <c>tests/UringSafe.Tests/Support/ShutdownStorm.cs</c> (linked; the CI test <c>ShutdownStormTests</c> runs 24 rounds
/// per seed): executors loaded with echo connections over multishot accept and receive, file reads and timers, fault
/// injection on, stopped at a random moment in a random way. Prints the Dispose times (median, p99, max), the counts
/// and every broken invariant; exit code 0 when all held.
/// </summary>
internal static class ShutdownStormWorkload
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench/UringSafe.Bench -- shutdown-storm [options]

          --rounds N       shutdowns to run (default 1,000)
          --seed S         seed of every round's choices and fault injector (default 1)
          --reactors R     reactors per executor (default 2)
          --no-faults      turn fault injection off
        """;

    public static int Run(string[] args)
    {
        var options = new ShutdownStormOptions { Rounds = 1_000, Progress = Console.Out };
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            options = a switch
            {
                "-h" or "--help" => null!,
                "--rounds" => options with { Rounds = PositiveInt(Next(), a) },
                "--seed" => options with { Seed = PositiveInt(Next(), a) },
                "--reactors" => options with { Reactors = PositiveInt(Next(), a) },
                "--no-faults" => options with { Faults = false },
                _ => throw new ArgumentException("unknown shutdown-storm option " + a),
            };
            if (options is null)
            {
                Console.WriteLine(Usage);
                return 0;
            }
        }
        Console.WriteLine($"shutdown-storm: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}");
        // An unchecked warm-up: what the runtime opens once for the life of the process is then in the fd baseline.
        ShutdownStorm.Run(options with { Seed = options.Seed + 1_000_000, Rounds = 5, CheckFds = false, Progress = null });
        ShutdownStormReport report = ShutdownStorm.Run(options);
        Console.Write(report.Format());
        bool pass = report.Violations.Count == 0 && report.Rounds == options.Rounds;
        Console.WriteLine(pass ? "shutdown-storm: PASS" : "shutdown-storm: FAIL");
        return pass ? 0 : 1;
    }

    private static int PositiveInt(string text, string option)
        => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw new ArgumentException($"{option} needs a positive integer");
}
