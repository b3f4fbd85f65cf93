using System.Globalization;

namespace UringSafe.Bench.Harness;

/// <summary>
/// Estimates how much CPU went to processes other than this one (and its waited-for children) during a
/// measurement, from <c>/proc/stat</c> and <c>/proc/self/stat</c>, as run-all.sh in the peers does.
/// </summary>
public static class MachineLoad
{
    // USER_HZ: 100 on every Linux ABI .NET runs on.
    private const double Hz = 100.0;

    /// <summary>A snapshot of the machine's and this process's CPU ticks.</summary>
    public readonly record struct Snapshot(long MachineBusy, long Ours, long Timestamp);

    /// <summary>Takes a snapshot now.</summary>
    public static Snapshot Take() => new(MachineBusyTicks(), OurTicks(), System.Diagnostics.Stopwatch.GetTimestamp());

    /// <summary>Other load between two snapshots, in % of one core (0 when /proc is unreadable).</summary>
    public static double OtherPercent(Snapshot a, Snapshot b)
    {
        double secs = System.Diagnostics.Stopwatch.GetElapsedTime(a.Timestamp, b.Timestamp).TotalSeconds;
        if (secs <= 0 || a.MachineBusy < 0 || b.MachineBusy < 0)
            return 0;
        long other = (b.MachineBusy - a.MachineBusy) - (b.Ours - a.Ours);
        return Math.Max(0, other) / Hz / secs * 100;
    }

    /// <summary>Busy ticks of the whole machine over <paramref name="sampleMs"/>, in % of one core (ours excluded).</summary>
    public static double SampleOtherPercent(int sampleMs = 500)
    {
        Snapshot a = Take();
        Thread.Sleep(sampleMs);
        return OtherPercent(a, Take());
    }

    // user nice system irq softirq steal (not idle / iowait)
    private static long MachineBusyTicks()
    {
        try
        {
            using var r = new StreamReader("/proc/stat");
            string? line = r.ReadLine();
            if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
                return -1;
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return P(f[1]) + P(f[2]) + P(f[3]) + P(f[6]) + P(f[7]) + P(f[8]);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    // utime stime cutime cstime of this process (fields 14-17; parsed after the ")" closing comm)
    private static long OurTicks()
    {
        try
        {
            string s = File.ReadAllText("/proc/self/stat");
            string[] f = s[(s.LastIndexOf(')') + 2)..].Split(' ');
            return P(f[11]) + P(f[12]) + P(f[13]) + P(f[14]);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static long P(string s) => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture);
}
