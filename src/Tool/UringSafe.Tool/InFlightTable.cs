using System.Globalization;
using System.Text;

namespace UringSafe.Tool;

/// <summary>The in-flight operations as a table: one line per operation, columns aligned, empty values as "-".</summary>
internal static class InFlightTable
{
    private static readonly string[] s_header = ["REACTOR", "USER_DATA", "OPCODE", "FD", "FD IS", "AGE", "MULTISHOT", "CANCEL", "BUFFER", "STARTED AT"];

    /// <summary>The header line and one line per operation (at most <paramref name="maxRows"/>, then a "more" line).</summary>
    public static IEnumerable<string> Lines(IReadOnlyList<InFlightEntry> ops, int maxRows = int.MaxValue)
    {
        List<string[]> rows = [s_header];
        rows.AddRange(ops.Take(maxRows).Select(Cells));
        int[] widths = Enumerable.Range(0, s_header.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (string[] row in rows)
        {
            var line = new StringBuilder();
            for (int c = 0; c < row.Length; c++)
            {
                if (c > 0)
                    line.Append("  ");
                // numbers right-aligned, text left-aligned; the last column is not padded
                line.Append(c is 0 or 3 or 5 ? row[c].PadLeft(widths[c]) : c == row.Length - 1 ? row[c] : row[c].PadRight(widths[c]));
            }
            yield return line.ToString().TrimEnd();
        }
        if (ops.Count > maxRows)
            yield return $"... and {ops.Count - maxRows} more";
        if (ops.Any(op => op.CallSite.Length == 0))
            yield return "STARTED AT is recorded with ReactorOptions.CaptureCallSites = true (a stack walk per operation; off by default).";
    }

    private static string[] Cells(InFlightEntry op) =>
    [
        op.Reactor.ToString(CultureInfo.InvariantCulture),
        $"0x{op.UserData:x16}",
        op.Opcode,
        op.Fd.ToString(CultureInfo.InvariantCulture),
        OrDash(op.Target),
        Age(op.AgeMilliseconds),
        op.Multishot ? "yes" : "no",
        op.CancelRequested ? "requested" : "no",
        OrDash(op.Buffer),
        OrDash(op.CallSite),
    ];

    private static string OrDash(string s) => s.Length == 0 ? "-" : s;

    private static string Age(double ms) => ms < 10_000
        ? string.Create(CultureInfo.InvariantCulture, $"{ms:0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{ms / 1000:0.0} s");
}
