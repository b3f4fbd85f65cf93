using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace UringSafe.Generators.Tests;

/// <summary>The <c>[UringOperation]</c> pipeline caches across unrelated edits, holds no compiler objects and roots no old compilation.</summary>
public class OperationIncrementalTests
{
    private static GeneratorRunResult RunTwice(Compilation first, Compilation second)
    {
        GeneratorDriver driver = OperationHarness.CreateDriver(trackSteps: true).RunGenerators(first);
        GeneratorRunResult initial = driver.GetRunResult().Results.Single();
        foreach (string name in TrackingNames.Operation)
        {
            Assert.True(initial.TrackedSteps.ContainsKey(name), $"step '{name}' was not tracked");
        }
        driver = driver.RunGenerators(second);
        return driver.GetRunResult().Results.Single();
    }

    private static void AssertAllCachedOrUnchanged(GeneratorRunResult result)
    {
        foreach (string name in TrackingNames.Operation)
        {
            Assert.True(result.TrackedSteps.TryGetValue(name, out var steps), $"step '{name}' was not tracked");
            foreach (IncrementalGeneratorRunStep step in steps)
            {
                foreach (var (_, reason) in step.Outputs)
                {
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step '{name}' output was {reason}");
                }
            }
        }
    }

    [Fact]
    public void AddingAnUnrelatedFileKeepsEveryStepCached()
    {
        CSharpCompilation first = OperationHarness.Sample();
        Compilation second = first.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Unrelated { internal static class Helper { public static int Twice(int x) => x * 2; } }",
            GeneratorHarness.ParseOptions, "Unrelated.cs"));

        AssertAllCachedOrUnchanged(RunTwice(first, second));
    }

    [Fact]
    public void EditingAMethodBodyElsewhereKeepsEveryStepCached()
    {
        const string before = "namespace Elsewhere { internal static class Code { public static int Value() { return 1; } } }";
        CSharpCompilation first = OperationHarness.Sample(false, before);
        SyntaxTree old = first.SyntaxTrees.Last();
        Compilation second = first.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(before.Replace("return 1;", "return 2 + 3;"), GeneratorHarness.ParseOptions, old.FilePath));

        AssertAllCachedOrUnchanged(RunTwice(first, second));
    }

    [Fact]
    public void EditingAPrepareMethodBodyKeepsTheOutputCached()
    {
        // The same file as the declarations changes, so its models are recomputed, but they are equal: nothing is re-emitted.
        CSharpCompilation first = OperationHarness.Sample();
        SyntaxTree old = first.SyntaxTrees.ElementAt(1);
        string edited = OperationTestSources.Declarations.Replace("Opcode = 27, Fd = fd", "Opcode = 27, Fd = fd + 0");
        Assert.NotEqual(OperationTestSources.Declarations, edited);
        Compilation second = first.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, old.FilePath));

        GeneratorRunResult result = RunTwice(first, second);
        Assert.All(result.TrackedSteps[TrackingNames.OperationSources].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    [Fact]
    public void EditingAnErrorMapperBodyKeepsTheOutputCached()
    {
        CSharpCompilation first = OperationHarness.Sample();
        SyntaxTree old = first.SyntaxTrees.ElementAt(1);
        string edited = OperationTestSources.Declarations.Replace("$\"{operation} on {fd}: errno {errno}\"", "$\"{operation} on fd {fd}: errno {errno}\"");
        Assert.NotEqual(OperationTestSources.Declarations, edited);
        Compilation second = first.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, old.FilePath));

        GeneratorRunResult result = RunTwice(first, second);
        Assert.All(result.TrackedSteps[TrackingNames.OperationSources].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    [Fact]
    public void RenamingTheErrorMapperRegeneratesOnlyTheOperationsNamingIt()
    {
        CSharpCompilation first = OperationHarness.Sample();
        SyntaxTree old = first.SyntaxTrees.ElementAt(1);
        string edited = OperationTestSources.Declarations.Replace("MapSocketError", "MapRecvError");
        Assert.NotEqual(OperationTestSources.Declarations, edited);
        Compilation second = first.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, old.FilePath));

        GeneratorRunResult result = RunTwice(first, second);
        var reasons = result.TrackedSteps[TrackingNames.OperationSources].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.Equal(2, reasons.Count(r => r == IncrementalStepRunReason.Modified)); // Socket.RecvAsync and Socket.SendAllAsync
    }

    [Fact]
    public void ChangingOneDeclarationRegeneratesOnlyThatOperation()
    {
        CSharpCompilation first = OperationHarness.Sample();
        SyntaxTree old = first.SyntaxTrees.ElementAt(1);
        string edited = OperationTestSources.Declarations.Replace("[UringOperation(nameof(PrepareRead), FillsBuffer = true)]", "[UringOperation(nameof(PrepareRead))]");
        Assert.NotEqual(OperationTestSources.Declarations, edited);
        Compilation second = first.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, old.FilePath));

        GeneratorRunResult result = RunTwice(first, second);
        var reasons = result.TrackedSteps[TrackingNames.OperationSources].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.Single(reasons, r => r == IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void StepOutputsHoldNoCompilerObjects()
    {
        GeneratorDriver driver = OperationHarness.CreateDriver(trackSteps: true).RunGenerators(OperationHarness.Sample());
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        foreach (string name in TrackingNames.Operation)
        {
            foreach (IncrementalGeneratorRunStep step in result.TrackedSteps[name])
            {
                foreach (var (value, _) in step.Outputs)
                {
                    AssertNoCompilerObjects(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance));
                }
            }
        }
    }

    private static void AssertNoCompilerObjects(object? value, string step, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        Assert.False(value is Compilation or ISymbol or SyntaxNode or SemanticModel or Location or SyntaxTree,
            $"step '{step}' holds a {value.GetType().Name}");
        if (!value.GetType().IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable items)
        {
            foreach (object? item in items) AssertNoCompilerObjects(item, step, seen);
        }
        foreach (FieldInfo field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoCompilerObjects(field.GetValue(value), step, seen);
        }
    }

    [Fact]
    public void DriverDoesNotKeepOldCompilationsAlive()
    {
        (GeneratorDriver driver, WeakReference first) = RunOnTwoCompilations();
        for (int i = 0; i < 10 && first.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(first.IsAlive, "the driver kept the first compilation alive");
        GC.KeepAlive(driver);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (GeneratorDriver Driver, WeakReference First) RunOnTwoCompilations()
    {
        CSharpCompilation first = OperationHarness.Sample();
        GeneratorDriver driver = OperationHarness.CreateDriver(trackSteps: true).RunGenerators(first);
        CSharpCompilation second = OperationHarness.Sample(false, "namespace Later { internal static class Added { } }");
        driver = driver.RunGenerators(second);
        return (driver, new WeakReference(first));
    }
}
