using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using UringSafe.Generators.Diagnostics;

namespace UringSafe.Generators.Tests;

/// <summary>Runs <see cref="UringOperationGenerator"/> and <see cref="UringOperationAnalyzer"/> over test compilations.</summary>
internal static class OperationHarness
{
    public static GeneratorDriver CreateDriver(bool trackSteps = false)
        => CSharpGeneratorDriver.Create(
            new[] { new UringOperationGenerator().AsSourceGenerator() },
            parseOptions: GeneratorHarness.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator once; it must neither throw nor report anything.</summary>
    public static (Compilation Output, GeneratorDriverRunResult Result) Run(Compilation input)
    {
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        Assert.Empty(diagnostics);
        GeneratorDriverRunResult result = driver.GetRunResult();
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        Assert.All(result.Results, r => Assert.Empty(r.Diagnostics));
        return (output, result);
    }

    /// <summary>The sample: stubs, declarations and (optionally) the probe.</summary>
    public static CSharpCompilation Sample(bool withProbe = false, params string[] extra)
    {
        var sources = new List<string> { OperationTestSources.Stubs, OperationTestSources.Declarations };
        if (withProbe) sources.Add(OperationTestSources.Probe);
        sources.AddRange(extra);
        return GeneratorHarness.CreateCompilation(sources.ToArray());
    }

    /// <summary>The UR1xxx diagnostics of the stubs plus <paramref name="source"/>, after the generator ran (as in a build).</summary>
    public static IReadOnlyList<Diagnostic> Analyze(string source)
    {
        var (output, _) = Run(GeneratorHarness.CreateCompilation(OperationTestSources.Stubs, source));
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new UringOperationAnalyzer());
        var withAnalyzers = output.WithAnalyzers(analyzers, new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty));
        var diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        return diagnostics.Where(d => d.Id.StartsWith("UR1", StringComparison.Ordinal)).OrderBy(d => d.Location.SourceSpan.Start).ToList();
    }
}
