namespace UringSafe.Bench.Harness;

/// <summary>
/// A named family of benchmark cases (for example <c>nop</c>: NOPs at batch 1, 32 and 256).
/// Register new workloads in <see cref="WorkloadRegistry"/>.
/// </summary>
public abstract class Workload
{
    /// <summary>The name used on the command line (<c>nop</c>, <c>file</c>, <c>echo</c>...).</summary>
    public abstract string Name { get; }

    /// <summary>One line for <c>--help</c> / <c>list</c>.</summary>
    public abstract string Description { get; }

    /// <summary>The cases to run, each with the implementations to compare.</summary>
    public abstract IReadOnlyList<BenchCase> CreateCases(BenchContext context);

    /// <summary>
    /// Writes what the summary table does not show (a workload's own table or chart) after its runs. Default: nothing.
    /// </summary>
    public virtual void Report(TextWriter output, IReadOnlyList<BenchCase> cases, IReadOnlyList<RunResult> results, BenchContext context)
    {
    }
}

/// <summary>
/// One thing measured under identical conditions by several implementations, e.g. <c>nop-b32</c>.
/// </summary>
/// <param name="Name">The JSON <c>workload</c> value, e.g. <c>nop-b32</c>.</param>
/// <param name="Title">Human description for the table.</param>
/// <param name="Impls">Implementations; the runner alternates between them.</param>
/// <param name="BaselineImpl">The <see cref="Impl.Id"/> the ratios are taken against (usually the C peer).</param>
public sealed record BenchCase(string Name, string Title, IReadOnlyList<Impl> Impls, string BaselineImpl);

/// <summary>One implementation of a case: the product, a C peer, stock .NET...</summary>
public abstract class Impl
{
    /// <summary>The JSON <c>impl</c> value, e.g. <c>uringsafe</c> or <c>c-liburing</c>.</summary>
    public abstract string Id { get; }

    /// <summary>Runs untimed work before the first measurement (JIT tiering for in-process impls). Default: nothing.</summary>
    public virtual void Warmup(BenchContext context)
    {
    }

    /// <summary>Takes one measurement.</summary>
    public abstract Measurement Measure(BenchContext context);
}

/// <summary>A value with its unit. <paramref name="HigherIsBetter"/> orients the ratio (ops/s: yes; B/op, us: no).</summary>
public readonly record struct Metric(double Value, string Unit, bool HigherIsBetter);

/// <summary>
/// The result of one measurement: a primary metric (the one ratios are computed on) plus any secondary
/// metrics (bytes allocated per op, latency percentiles...). Each metric becomes its own JSON line.
/// </summary>
public sealed record Measurement(Metric Primary, long Ops, double Seconds, IReadOnlyList<Metric> Secondary)
{
    /// <summary>Creates a throughput measurement (ops/s) from an op count and elapsed seconds.</summary>
    public static Measurement Throughput(long ops, double seconds, params Metric[] secondary)
        => new(new Metric(ops / seconds, "ops/s", HigherIsBetter: true), ops, seconds, secondary);
}
