using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace UringSafe.Analyzers.Tests;

/// <summary>Runs UR0008 (and optionally its code fix) over test code, against a stand-in for UringSafe's async layer.</summary>
internal static class ReactorVerify
{
    public const string Usings = "using System;\nusing System.IO;\nusing System.Net.Sockets;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing UringSafe.Async;\nusing UringSafe.Files;\n";

    /// <summary>The reactor entry points and one UringSafe operation, as the analyzer sees them (by metadata name).</summary>
    public const string Api = """
        namespace UringSafe.Async
        {
            using System;
            using System.Threading;
            using System.Threading.Tasks;

            public static class UringRuntime
            {
                public static void Run(Func<Task> main) { }
                public static T Run<T>(Func<Task<T>> main) => default(T);
            }

            public sealed class UringReactor
            {
                public static UringReactor Current => null;
                public void Post(SendOrPostCallback callback, object state) { }
                public Task Spawn(Func<Task> work) => work();
                public Task<T> Spawn<T>(Func<Task<T>> work) => work();
                public ValueTask<int> Delay(TimeSpan delay, CancellationToken cancellationToken = default) => default;
            }

            public sealed class UringExecutor
            {
                public Task Spawn(int index, Func<Task> work) => work();
                public Task<T> Spawn<T>(int index, Func<Task<T>> work) => work();
                public Task SpawnOnEach(Func<int, Task> work) => work(0);
            }
        }

        namespace UringSafe.Files
        {
            using System.Threading.Tasks;

            public sealed class UringFile
            {
                public ValueTask<int> ReadAsync(byte[] buffer) => default;
                public Task CloseAsync() => Task.CompletedTask;
            }
        }
        """;

    public static Task AnalyzerAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new ReactorTest();
        test.ExpectedDiagnostics.AddRange(expected);
        test.TestState.Sources.Add(("/0/Test0.cs", Usings + source));
        test.TestState.Sources.Add(("/0/Api.cs", Api));
        return test.RunAsync();
    }

    public static Task CodeFixAsync(string source, string fixedSource, CodeFixProvider fix)
    {
        var test = new ReactorTest { Fix = fix };
        test.TestState.Sources.Add(("/0/Test0.cs", Usings + source));
        test.TestState.Sources.Add(("/0/Api.cs", Api));
        test.FixedState.Sources.Add(("/0/Test0.cs", Usings + fixedSource));
        test.FixedState.Sources.Add(("/0/Api.cs", Api));
        return test.RunAsync();
    }

    private sealed class ReactorTest : UringTest
    {
        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => [new ReactorBlockingAnalyzer()];
    }
}
