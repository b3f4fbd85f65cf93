using System.Text;
using System.Text.Json;

namespace UringSafe.Bench.Harness;

/// <summary>
/// Writes one JSON object per line per metric of each measurement:
/// <c>{"workload":"nop-b32","impl":"uringsafe","run":1,"value":N,"unit":"ops/s",...}</c>.
/// </summary>
public static class JsonLines
{
    /// <summary>Writes the primary metric line (with ops, secs and other load) and one line per secondary metric.</summary>
    public static void Write(TextWriter output, RunResult r)
    {
        WriteLine(output, r, r.Measurement.Primary, primary: true);
        foreach (Metric m in r.Measurement.Secondary)
            WriteLine(output, r, m, primary: false);
        output.Flush();
    }

    private static void WriteLine(TextWriter output, RunResult r, Metric metric, bool primary)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("workload", r.Case.Name);
            w.WriteString("impl", r.Impl.Id);
            w.WriteNumber("run", r.Run);
            WriteValue(w, "value", metric.Value);
            w.WriteString("unit", metric.Unit);
            if (primary)
            {
                w.WriteNumber("ops", r.Measurement.Ops);
                w.WriteNumber("secs", Math.Round(r.Measurement.Seconds, 6));
            }
            w.WriteNumber("other_load_pct", Math.Round(r.OtherLoadPercent, 1));
            w.WriteBoolean("noisy", r.Noisy);
            w.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    // Integers for large values (ops/s); up to 4 decimals for small ones (B/op).
    private static void WriteValue(Utf8JsonWriter w, string name, double v)
    {
        if (Math.Abs(v) >= 1000)
            w.WriteNumber(name, (long)Math.Round(v));
        else
            w.WriteNumber(name, Math.Round(v, 4));
    }
}
