using UringSafe.Analyzers.CodeFixes;

namespace UringSafe.Analyzers.Tests;

public class CodeFixTests
{
    [Fact]
    public Task UR0002_AwaitStatementBecomesDeconstruction() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                {|UR0002:await f.ReadAtAsync(buf, 0)|};
            }
        }
        """,
        """
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """,
        new TakeBackBufferCodeFixProvider());

    [Fact]
    public Task UR0002_DiscardAssignmentBecomesDeconstruction() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                _ = {|UR0002:await f.WriteAtAsync(buf, 0)|};
            }
        }
        """,
        """
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                (_, buf) = await f.WriteAtAsync(buf, 0);
            }
        }
        """,
        new TakeBackBufferCodeFixProvider());

    [Fact]
    public Task UR0002_NotDeconstructibleUsesBufferProperty() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                {|UR0002:await f.FillAsync(buf)|};
            }
        }
        """,
        """
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                buf = (await f.FillAsync(buf)).Buffer;
            }
        }
        """,
        new TakeBackBufferCodeFixProvider());

    [Fact]
    public Task UR0002_DeclarationKeepsOtherVariables() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                var (n, _) = {|UR0002:await f.ReadAtAsync(buf, 0)|};
                return n;
            }
        }
        """,
        """
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                (var n, buf) = await f.ReadAtAsync(buf, 0);
                return n;
            }
        }
        """,
        new TakeBackBufferCodeFixProvider());

    [Fact]
    public Task UR0001_TakesBackAtTheAwait() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                {|UR0002:await f.ReadAtAsync(buf, 0)|};
                Sink.Use({|UR0001:buf|});
            }
        }
        """,
        """
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                (_, buf) = await f.ReadAtAsync(buf, 0);
                Sink.Use(buf);
            }
        }
        """,
        new TakeBackBufferCodeFixProvider());

    [Fact]
    public Task UR0003_AwaitsAndTakesBackInOneStep() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                {|UR0003:f.ReadAtAsync(buf, 0)|};
            }
        }
        """,
        """
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """,
        new AddAwaitCodeFixProvider());

    [Fact]
    public Task UR0003_NoFixOutsideAsyncMethods() => Verify.CodeFixAsync(
        """
        class C
        {
            void M(UringFile f, byte[] buf)
            {
                {|UR0003:f.ReadAtAsync(buf, 0)|};
            }
        }
        """,
        """
        class C
        {
            void M(UringFile f, byte[] buf)
            {
                {|UR0003:f.ReadAtAsync(buf, 0)|};
            }
        }
        """,
        new AddAwaitCodeFixProvider(),
        iterations: 0);

    [Fact]
    public Task UR0002_ResultPropertyInDeclarationBecomesDeconstruction() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                int n = ({|UR0002:await f.ReadAtAsync(buf, 0)|}).Result;
                return n + {|UR0001:buf|}.Length;
            }
        }
        """,
        """
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                (int n, buf) = await f.ReadAtAsync(buf, 0);
                return n + buf.Length;
            }
        }
        """,
        new TakeBackBufferCodeFixProvider());

    [Fact]
    public Task UR0002_ResultPropertyAssignmentBecomesDeconstruction() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                int n;
                n = ({|UR0002:await f.ReadTupleAsync(buf)|}).Result;
                return n;
            }
        }
        """,
        """
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                int n;
                (n, buf) = await f.ReadTupleAsync(buf);
                return n;
            }
        }
        """,
        new TakeBackBufferCodeFixProvider());

    [Fact]
    public Task UR0002_NoFixWhereTheResultFeedsAnExpression() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                return ({|UR0002:await f.ReadAtAsync(buf, 0)|}).Result + 1;
            }
        }
        """,
        """
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                return ({|UR0002:await f.ReadAtAsync(buf, 0)|}).Result + 1;
            }
        }
        """,
        new TakeBackBufferCodeFixProvider(),
        iterations: 0);

    [Fact]
    public Task UR0003_DiscardBecomesTakeBack() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                _ = {|UR0003:f.WriteAtAsync(buf, 0)|};
                Sink.Use({|UR0001:buf|});
            }
        }
        """,
        """
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                (_, buf) = await f.WriteAtAsync(buf, 0);
                Sink.Use(buf);
            }
        }
        """,
        new AddAwaitCodeFixProvider());

    [Fact]
    public Task UR0003_BufferPropertyFormWhenTheResultDoesNotDeconstruct() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                {|UR0003:f.FillAsync(buf)|};
            }
        }
        """,
        """
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                buf = (await f.FillAsync(buf)).Buffer;
            }
        }
        """,
        new AddAwaitCodeFixProvider());

    [Fact]
    public Task UR0003_RawMemoryIsOnlyAwaited() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task M(UringFile f, nint memory)
            {
                {|UR0003:f.ReadNativeAsync(memory, 16)|};
            }
        }
        """,
        """
        class C
        {
            async Task M(UringFile f, nint memory)
            {
                await f.ReadNativeAsync(memory, 16);
            }
        }
        """,
        new AddAwaitCodeFixProvider());

    [Fact]
    public Task UR0003_InAsyncLambda() => Verify.CodeFixAsync(
        """
        class C
        {
            Func<Task> M(UringFile f, byte[] buf) => async () =>
            {
                {|UR0003:f.ReadAtAsync(buf, 0)|};
            };
        }
        """,
        """
        class C
        {
            Func<Task> M(UringFile f, byte[] buf) => async () =>
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            };
        }
        """,
        new AddAwaitCodeFixProvider());

    [Fact]
    public Task UR0003_FixAllTakesEveryBufferBack() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task M(UringFile f, byte[] first, byte[] second)
            {
                {|UR0003:f.ReadAtAsync(first, 0)|};
                {|UR0003:f.WriteAtAsync(second, 0)|};
            }
        }
        """,
        """
        class C
        {
            async Task M(UringFile f, byte[] first, byte[] second)
            {
                (_, first) = await f.ReadAtAsync(first, 0);
                (_, second) = await f.WriteAtAsync(second, 0);
            }
        }
        """,
        new AddAwaitCodeFixProvider(),
        iterations: 2,
        fixAllIterations: 1);

    [Fact]
    public Task UR0001_FixAllTakesBackEachAwaitOnce() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var other = new byte[16];
                {|UR0002:await f.ReadAtAsync(buf, 0)|};
                {|UR0002:await f.ReadAtAsync(other, 0)|};
                Sink.Use({|UR0001:buf|});
                Sink.Use({|UR0001:other|});
                Sink.Use({|UR0001:other|}.AsSpan());
            }
        }
        """,
        """
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var other = new byte[16];
                (_, buf) = await f.ReadAtAsync(buf, 0);
                (_, other) = await f.ReadAtAsync(other, 0);
                Sink.Use(buf);
                Sink.Use(other);
                Sink.Use(other.AsSpan());
            }
        }
        """,
        new TakeBackBufferCodeFixProvider(),
        iterations: 2,
        fixAllIterations: 1);

    /// <summary>A 'using' or 'foreach' variable cannot be assigned (CS1656): no take-back fix is offered for it.</summary>
    [Fact]
    public Task NoTakeBackFixForAVariableThatCannotBeAssigned()
    {
        const string Source = """

            class C
            {
                async Task<int> M(Device d)
                {
                    using Buf {|#0:buf = new Buf()|};
                    var (n, _) = {|#1:await d.ReadAsync(buf)|};
                    return n;
                }

                async Task Each(UringFile f, byte[][] all)
                {
                    foreach (var b in all)
                    {
                        {|#2:await f.ReadAtAsync(b, 0)|};
                    }
                }

                async Task Statement(Device d)
                {
                    using (var {|#4:held = new Buf()|})
                    {
                        {|#3:await d.ReadAsync(held)|};
                    }
                }
            }

            sealed class Buf : IDisposable
            {
                public void Dispose() { }
            }

            sealed class Device
            {
                public ValueTask<IoResult<Buf>> ReadAsync([UringSafe.Lends] Buf buffer) => new(new IoResult<Buf>(0, buffer));
            }

            """;
        var test = new UringTest { Fix = new TakeBackBufferCodeFixProvider(), NumberOfIncrementalIterations = 0, NumberOfFixAllIterations = 0 };
        test.TestState.Sources.Add(("/0/Test0.cs", UringTest.Usings + Source));
        test.TestState.Sources.Add(("/0/Api.cs", TestApi.Source));
        test.FixedState.Sources.Add(("/0/Test0.cs", UringTest.Usings + Source));
        test.FixedState.Sources.Add(("/0/Api.cs", TestApi.Source));
        test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(RuleIds.BufferUsedWhileLent, Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(0).WithLocation(1));
        test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(RuleIds.BufferNotTakenBack, Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).WithLocation(1));
        test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(RuleIds.BufferNotTakenBack, Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).WithLocation(2));
        test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(RuleIds.BufferNotTakenBack, Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).WithLocation(3));
        test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(RuleIds.BufferUsedWhileLent, Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(4).WithLocation(3));
        test.FixedState.ExpectedDiagnostics.AddRange(test.ExpectedDiagnostics);
        return test.RunAsync();
    }
}

