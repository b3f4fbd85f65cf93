using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace UringSafe.Analyzers.Tests;

/// <summary>Runs every UringSafe analyzer (and optionally one code fix) over test code, fully offline.</summary>
internal class UringTest : CSharpCodeFixTest<EmptyDiagnosticAnalyzer, EmptyCodeFixProvider, DefaultVerifier>
{
    public const string Usings = "using System;\nusing System.Threading.Tasks;\nusing Lib;\n";

    public UringTest()
    {
        // A framework moniker without a package: nothing is resolved from NuGet; references come from the local SDK.
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        TestState.AdditionalReferences.AddRange(TestReferences.Net);
        SolutionTransforms.Add((solution, projectId) =>
        {
            var options = (CSharpCompilationOptions)solution.GetProject(projectId)!.CompilationOptions!;
            return solution.WithProjectCompilationOptions(projectId, options.WithAllowUnsafe(true));
        });
    }

    public CodeFixProvider? Fix { get; set; }

    /// <summary>Also runs UR0007, which most tests leave out: their methods lend their own parameters on purpose.</summary>
    public bool WithLendsContract { get; set; }

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() =>
        WithLendsContract
            ? [new OwnershipAnalyzer(), new LendingResultAnalyzer(), new LendsContractAnalyzer()]
            : [new OwnershipAnalyzer(), new LendingResultAnalyzer()];

    protected override IEnumerable<CodeFixProvider> GetCodeFixProviders() =>
        Fix is null ? [] : [Fix];
}

internal static class Verify
{
    public static Task AnalyzerAsync(string source, params DiagnosticResult[] expected) =>
        RunAsync(new UringTest(), source, expected);

    /// <summary>Runs every analyzer, UR0007 included.</summary>
    public static Task ContractAsync(string source, params DiagnosticResult[] expected) =>
        RunAsync(new UringTest { WithLendsContract = true }, source, expected);

    private static Task RunAsync(UringTest test, string source, DiagnosticResult[] expected)
    {
        test.TestState.Sources.Add(("/0/Test0.cs", UringTest.Usings + source));
        test.TestState.Sources.Add(("/0/Api.cs", TestApi.Source));
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>An expected diagnostic at the markup location <c>{|#index:...|}</c>, with its message arguments.</summary>
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor, int location, params object[] arguments) =>
        new DiagnosticResult(descriptor).WithLocation(location).WithArguments(arguments);

    public static Task CodeFixAsync(string source, string fixedSource, CodeFixProvider fix, int iterations = 1, int? fixAllIterations = null)
    {
        var test = new UringTest
        {
            Fix = fix,
            NumberOfFixAllIterations = fixAllIterations ?? iterations,
            NumberOfIncrementalIterations = iterations,
            WithLendsContract = fix.FixableDiagnosticIds.Contains(RuleIds.ParameterLentNotDeclared),
        };
        test.TestState.Sources.Add(("/0/Test0.cs", UringTest.Usings + source));
        test.TestState.Sources.Add(("/0/Api.cs", TestApi.Source));
        test.FixedState.Sources.Add(("/0/Test0.cs", UringTest.Usings + fixedSource));
        test.FixedState.Sources.Add(("/0/Api.cs", TestApi.Source));
        return test.RunAsync();
    }
}
