namespace UringSafe.Bench.Harness;

/// <summary>Order statistics over a handful of runs.</summary>
public static class Stats
{
    /// <summary>The median (mean of the two middle values for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        double[] v = values.ToArray();
        if (v.Length == 0)
            return double.NaN;
        Array.Sort(v);
        int mid = v.Length / 2;
        return v.Length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    /// <summary>(max - min) / median, the spread the peers' summarize.sh reports.</summary>
    public static double Spread(IReadOnlyCollection<double> values)
    {
        double med = Median(values);
        return med == 0 ? 0 : (values.Max() - values.Min()) / med;
    }
}
