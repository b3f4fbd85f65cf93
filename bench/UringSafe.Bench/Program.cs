using System.Globalization;
using System.Runtime.InteropServices;
using UringSafe.Bench.Harness;

namespace UringSafe.Bench;

/// <summary>Command line: <c>UringSafe.Bench &lt;workload...|all|list&gt; [options]</c>.</summary>
public static class Program
{
    private const string Usage = """
        usage: dotnet run -c Release --project bench/UringSafe.Bench -- <workload...|all|list> [options]
               dotnet run -c Release --project bench/UringSafe.Bench -- soak [--seconds N] [--clients N] [--help]
               dotnet run -c Release --project bench/UringSafe.Bench -- latency-report FILE.jsonl [-o CHART.png]

          --runs N            measurements per (case, impl), alternating impls; medians reported (default 5)
          --json              one JSON object per measurement and metric on stdout; table and progress on stderr
          --quiet-check       before each measurement wait (0.5 s samples) until other load is < 10% of a core,
                              and re-measure a disturbed one once; at most --quiet-budget seconds in all
          --quiet-budget S    seconds (default 120)
          --scale F           multiply every op count by F (0.1 = quick smoke run; default 1)
          --warmup-ms MS      untimed JIT warm-up per in-process case (default 700)
          --impls a,b         only these impls (e.g. uringsafe,c-liburing,c-raw)
          --cases a,b         only these cases (e.g. nop-b32)
          --peers-build DIR   where the C peers are built (default: $PEERS_BUILD, else bench/.peers-build)
          --plot FILE         latency: draw latency against load into FILE (PNG, ScottPlot)

        Results vary 10-30% between runs on this VM: compare ratios and medians, never one absolute figure.
        """;

    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        try
        {
            return Run(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
    }

    private static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "soak")
            return Workloads.SoakWorkload.Run(args[1..], FindRepoRoot()); // pass/fail churn of samples/EchoServer, not a measurement
        if (args.Length > 0 && args[0] == "storm") return Workloads.StormWorkload.Run(args[1..]);
        if (args.Length > 0 && args[0] == "shutdown-storm") return Workloads.ShutdownStormWorkload.Run(args[1..]);
        if (args.Length > 0 && args[0] == "latency-report") return Workloads.LatencyReport.Run(args[1..]);
        var names = new List<string>();
        int runs = 5;
        bool json = false, quiet = false;
        double budget = 120, scale = 1;
        int warmupMs = 700;
        HashSet<string>? impls = null, cases = null;
        string? peersBuild = Environment.GetEnvironmentVariable("PEERS_BUILD");
        string? plot = null;

        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            switch (a)
            {
                case "-h" or "--help": Console.WriteLine(Usage); return 0;
                case "--runs": runs = PositiveInt(a, Next()); break;
                case "--json": json = true; break;
                case "--quiet-check": quiet = true; break;
                case "--quiet-budget": budget = Double(a, Next()); break;
                case "--scale": scale = Double(a, Next()); break;
                case "--warmup-ms": warmupMs = PositiveInt(a, Next()); break;
                case "--impls": impls = Set(Next()); break;
                case "--cases": cases = Set(Next()); break;
                case "--peers-build": peersBuild = Next(); break;
                case "--plot": plot = Next(); break;
                default:
                    if (a.StartsWith('-'))
                        throw new ArgumentException("unknown option " + a);
                    names.Add(a);
                    break;
            }
        }
        if (names.Count == 0)
            throw new ArgumentException("name a workload");
        if (names.Contains("list"))
        {
            foreach (Workload w in WorkloadRegistry.All)
                Console.WriteLine($"{w.Name,-12} {w.Description}");
            return 0;
        }
        List<Workload> workloads = names.Contains("all")
            ? [.. WorkloadRegistry.All]
            : names.Select(n => WorkloadRegistry.Find(n) ?? throw new ArgumentException("unknown workload " + n)).ToList();

        string repo = FindRepoRoot();
        var context = new BenchContext
        {
            Runs = runs,
            Json = json,
            QuietCheck = quiet,
            QuietBudgetSeconds = budget,
            Scale = scale,
            WarmupMilliseconds = warmupMs,
            Impls = impls,
            Cases = cases,
            PlotPath = plot,
            RepoRoot = repo,
            PeersBuild = Path.GetFullPath(string.IsNullOrEmpty(peersBuild) ? Path.Combine(repo, "bench", ".peers-build") : peersBuild),
        };

        TextWriter table = json ? Console.Error : Console.Out;
        table.WriteLine($"UringSafe.Bench {string.Join(' ', args)}");
        table.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, kernel {KernelRelease()}, {Environment.ProcessorCount} cores, "
            + $"{RuntimeInformation.FrameworkDescription}, runs={runs}, scale={scale.ToString(CultureInfo.InvariantCulture)}, "
            + $"quiet-check={(quiet ? "on" : "off")}");

        var runner = new Runner(context);
        foreach (Workload w in workloads)
        {
            var wc = w.CreateCases(context).Where(c => cases is null || cases.Contains(c.Name)).ToList();
            if (wc.Count == 0)
                continue;
            foreach (BenchCase c in wc)
                context.Log.WriteLine($"[bench] {c.Name}: {c.Title}; impls {string.Join(", ", c.Impls.Select(i => i.Id))}");
            IReadOnlyList<RunResult> results = runner.Run(wc);
            SummaryTable.Write(table, wc, results, context);
            w.Report(table, wc, results, context);
        }
        return 0;
    }

    private static string FindRepoRoot()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "UringSafe.sln")) && File.Exists(Path.Combine(d.FullName, "bench", "peers.sh")))
                    return d.FullName;
            }
        }
        throw new ArgumentException("cannot find the repository root (UringSafe.sln with bench/peers.sh) above the current directory");
    }

    private static string KernelRelease()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.OSDescription;
        }
    }

    private static int PositiveInt(string opt, string s)
        => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v
            : throw new ArgumentException($"{opt} needs a positive integer, not '{s}'");

    private static double Double(string opt, string s)
        => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 ? v
            : throw new ArgumentException($"{opt} needs a non-negative number, not '{s}'");

    private static HashSet<string> Set(string s) => new(s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
}
