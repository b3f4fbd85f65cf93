using System.Diagnostics;
using System.Globalization;

namespace UringSafe.Bench.Harness;

/// <summary>
/// Runs a peer program (a C binary from ../shared/peers built into <c>PEERS_BUILD</c>) and parses the
/// <c>key=value</c> pairs it prints, e.g. <c>nop_liburing batch=32 ops=... secs=... ops_per_sec=...</c>.
/// </summary>
public static class PeerProcess
{
    private static readonly HashSet<string> s_built = new(StringComparer.Ordinal);

    /// <summary>
    /// Returns the path of peer <paramref name="program"/>, building it first with <c>bench/peers.sh</c>
    /// (the peers' own Makefile; installs missing packages). The build runs once per program per process.
    /// </summary>
    public static string Ensure(BenchContext context, string program)
    {
        string path = Path.Combine(context.PeersBuild, program);
        lock (s_built)
        {
            if (s_built.Contains(program))
                return path;
            string script = Path.Combine(context.RepoRoot, "bench", "peers.sh");
            context.Log.WriteLine($"[bench] building peer {program}: {script} {program}");
            var psi = new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = false };
            psi.ArgumentList.Add(program);
            psi.Environment["PEERS_BUILD"] = context.PeersBuild;
            using Process p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + script);
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0 || !File.Exists(path))
                throw new InvalidOperationException($"{script} {program} failed (exit {p.ExitCode}); see {context.PeersBuild}/logs/");
            s_built.Add(program);
        }
        return path;
    }

    /// <summary>Runs <paramref name="path"/> with <paramref name="args"/> to completion and returns its key=value pairs.</summary>
    public static IReadOnlyDictionary<string, string> Run(string path, params string[] args)
    {
        var psi = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + path);
        Task<string> err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();   // reaps it, so its CPU time lands in our cutime/cstime (see MachineLoad)
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(path)} {string.Join(' ', args)} exited {p.ExitCode}: {err.Result.Trim()}");
        return ParsePairs(stdout);
    }

    /// <summary>Parses whitespace-separated <c>key=value</c> tokens; a later key wins.</summary>
    public static Dictionary<string, string> ParsePairs(string output)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string tok in output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = tok.IndexOf('=');
            if (eq > 0)
                d[tok[..eq]] = tok[(eq + 1)..];
        }
        return d;
    }

    /// <summary>Reads a numeric field from a peer's output.</summary>
    public static double Number(IReadOnlyDictionary<string, string> pairs, string key)
        => pairs.TryGetValue(key, out string? s)
            ? double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"peer output has no {key}=: {string.Join(' ', pairs.Select(kv => kv.Key + "=" + kv.Value))}");
}
