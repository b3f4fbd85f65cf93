using System.Globalization;

namespace UringSafe.Bench.Harness;

/// <summary>Number formatting for the text table (invariant culture).</summary>
public static class Format
{
    /// <summary>Thousands separators for large values, a few decimals for small ones.</summary>
    public static string Value(Metric m) => Number(m.Value);

    /// <summary>Thousands separators for large values, a few decimals for small ones.</summary>
    public static string Number(double v)
        => Math.Abs(v) >= 1000 ? v.ToString("N0", CultureInfo.InvariantCulture)
            : v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>A ratio as <c>0.97x</c>.</summary>
    public static string Ratio(double r) => double.IsNaN(r) ? "-" : r.ToString("0.00", CultureInfo.InvariantCulture) + "x";

    /// <summary>A fraction as a whole percentage.</summary>
    public static string Percent(double f) => (f * 100).ToString("0", CultureInfo.InvariantCulture) + "%";
}
