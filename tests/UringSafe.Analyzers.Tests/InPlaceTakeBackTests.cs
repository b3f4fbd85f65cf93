using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers.Tests;

// The ownership analysis skips its dataflow when every buffer is taken back in the statement that lends it
// (InPlaceTakeBack). These cases are one step away from that shape, each in a way the dataflow does find something:
// the skip must not hide it. The clean shapes are the first case.
public class InPlaceTakeBackTests
{

    private const string Clean = """
        class C
        {
            async Task<int> Read(UringFile f)
            {
                var buf = new byte[16];
                int n;
                (n, buf) = await f.ReadAtAsync(buf, buf.Length);
                int first = n > 0 ? buf[0] : 0;
                return first + n;
            }

            async Task Copy(UringFile source, UringFile target, byte[] buf)
            {
                long offset = 0;
                while (true)
                {
                    int n;
                    (n, buf) = await source.ReadAtAsync(buf, offset).ConfigureAwait(false);
                    if (n == 0)
                        break;
                    (_, buf) = await target.WriteAtAsync(buf, offset);
                    offset += n;
                }
            }

            async Task<int> NextStatement(UringFile f, byte[] data)
            {
                var written = await f.WriteAtAsync(data, 0);
                data = written.Buffer;
                IoResult<byte[]> read = await f.ReadAtAsync(data, 0).ConfigureAwait(false);
                data = read.Buffer;
                return written.Result + read.Result + data.Length;
            }

            Func<Task<int>> Lambda(UringFile f) => async () =>
            {
                var data = new byte[8];
                int n;
                (n, data) = await f.ReadAtAsync(data, 0);
                return n + data.Length;
            };
        }
        """;

    [Fact]
    public Task TakenBackInPlaceIsClean() => Verify.AnalyzerAsync(Clean);

    // The cases above are the skip's own: the clean methods take it, each near miss does not.

    [Theory]
    [InlineData(nameof(Clean), "Read", true)]
    [InlineData(nameof(Clean), "Copy", true)]
    [InlineData(nameof(Clean), "Lambda", true)]
    [InlineData(nameof(Clean), "NextStatement", true)]
    [InlineData(nameof(NotTakenBack), "M", false)]
    [InlineData(nameof(NotInPlace), "M", false)]
    [InlineData(nameof(NextStatementNearMisses), "UsedBetween", false)]
    [InlineData(nameof(NextStatementNearMisses), "ResultKeptAsAlias", false)]
    [InlineData(nameof(NextStatementNearMisses), "ResultHandedOn", false)]
    [InlineData(nameof(NextStatementNearMisses), "TakenBackTwice", false)]
    [InlineData(nameof(NextStatementNearMisses), "UsingResult", false)]
    [InlineData(nameof(NextStatementNearMisses), "TakenBackIntoAnother", false)]
    [InlineData(nameof(ConvertedAliases), "ToAStruct", false)]
    [InlineData(nameof(ConvertedAliases), "FromAView", false)]
    [InlineData(nameof(EnumeratorLends), "M", false)]
    [InlineData(nameof(EnumeratorLends), "Async", false)]
    [InlineData(nameof(UR0001Tests.UsingAssignsTheLentVariable), "M", false)]
    [InlineData(nameof(UR0001Tests.UsingAssignsTheLentVariable), "Parameter", false)]
    [InlineData(nameof(UR0006Tests.MethodGroupBoundToTheBuffer), "Instance", false)]
    [InlineData(nameof(UR0006Tests.MethodGroupBoundToTheBuffer), "Created", false)]
    [InlineData(nameof(UR0006Tests.MethodGroupBoundToTheBuffer), "Extension", false)]
    public void TheSkipTakesOnlyInPlaceShapes(string source, string method, bool skipped)
    {
        var text = source switch
        {
            nameof(Clean) => Clean,
            nameof(NotTakenBack) => NotTakenBack,
            nameof(NotInPlace) => NotInPlace,
            nameof(ConvertedAliases) => ConvertedAliases,
            nameof(EnumeratorLends) => EnumeratorLends,
            nameof(UR0001Tests.UsingAssignsTheLentVariable) => UR0001Tests.UsingAssignsTheLentVariable,
            nameof(UR0006Tests.MethodGroupBoundToTheBuffer) => UR0006Tests.MethodGroupBoundToTheBuffer,
            _ => NextStatementNearMisses,
        };
        // Without the test markup ({|UR0001:buf|} -> buf), so that the code compiles.
        var tree = CSharpSyntaxTree.ParseText(UringTest.Usings + Regex.Replace(text, @"\{\|[^:|]+:(.*?)\|\}", "$1"));
        Assert.Empty(tree.GetDiagnostics());
        var compilation = CSharpCompilation.Create("InPlace", [tree, CSharpSyntaxTree.ParseText(TestApi.Source)], TestReferences.Net,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var model = compilation.GetSemanticModel(tree);
        var declaration = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == method);
        IOperation function = model.GetOperation(declaration)!;
        var symbol = model.GetDeclaredSymbol(declaration);
        if (function.Descendants().OfType<IAnonymousFunctionOperation>().FirstOrDefault() is { } lambda)
        {
            function = lambda;
            symbol = lambda.Symbol;
        }

        Assert.Equal(skipped, InPlaceTakeBack.CoversEveryLoanIn(function, symbol, new LendingFacts(compilation)));
    }

    [Fact]
    public Task ACatchThatLoopsBackLendsTheLostBufferAgain() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                while (true)
                {
                    try
                    {
                        (_, buf) = await f.ReadAtAsync({|UR0004:buf|}, 0);
                    }
                    catch (Exception)
                    {
                    }
                }
            }
        }
        """);

    [Fact]
    public Task AUsingOverTheBufferDisposesItOnTheExceptionPath() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(Buf buf)
            {
                using ({|UR0001:buf|})
                {
                    (_, buf) = await Ops.ReadAsync(buf);
                }
            }
        }
        """ + TestApi.DisposableBuffer);

    [Fact]
    public Task AnAliasDisposedByAUsingOnTheExceptionPath() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M()
            {
                var buf = new Buf();
                Buf copy = buf;
                using ({|UR0006:copy|})
                {
                    (_, buf) = await Ops.ReadAsync(buf);
                }
            }
        }
        """ + TestApi.DisposableBuffer);

    [Fact]
    public Task ARunningDelegateUsesTheBuffer() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var hashing = Task.Run(() => Sink.Use({|UR0001:buf|}));
                (_, buf) = await f.ReadAtAsync(buf, 0);
                await hashing;
            }
        }
        """);

    private const string NotTakenBack = """
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                byte[] other;
                (_, other) = await f.ReadAtAsync(buf, 0);
                Sink.Use({|UR0001:buf|});
            }
        }
        """;

    [Fact]
    public Task TakenBackIntoAnotherVariable() => Verify.AnalyzerAsync(NotTakenBack);

    private const string NotInPlace = """
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var pending = f.ReadAtAsync(buf, 0);
                (_, buf) = await f.ReadAtAsync({|UR0004:buf|}, 0);
                await pending;
            }
        }
        """;

    [Fact]
    public Task OneLendNotTakenBackInPlace() => Verify.AnalyzerAsync(NotInPlace);

    // A take-back nested in a task wrapper's argument runs after the outer call has lent its buffer: a use of that
    // buffer there is inside the inner lending call's arguments, but not before the outer loan.
    [Fact]
    public Task ATakeBackInConfigureAwaitUsesTheBufferLentOutside() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var other = new byte[16];
                int n, m;
                (n, buf) = await f.ReadAtAsync(buf, 0).ConfigureAwait(((m, other) = await f.ReadAtAsync(other, Array.IndexOf({|UR0001:buf|}, (byte)0))).m > 0);
            }
        }
        """);

    [Fact]
    public Task ATakeBackInConfigureAwaitLendsTheBufferLentOutside() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                int n, m;
                (n, buf) = await f.ReadAtAsync(buf, 0).ConfigureAwait(((m, buf) = await f.ReadAtAsync({|UR0004:buf|}, 1)).m > 0);
            }
        }
        """);

    [Fact]
    public Task AnAliasMadeByACoalescingAssignment() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M()
            {
                var buf = new Buf();
                Buf copy = null;
                copy ??= buf;
                using ({|UR0006:copy|})
                {
                    (_, buf) = await Ops.ReadAsync(buf);
                }
            }
        }
        """ + TestApi.DisposableBuffer);

    [Fact]
    public Task TheLentVariableMadeAnAliasByACoalescingAssignment() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(Buf other)
            {
                Buf buf = null;
                buf ??= other;
                using ({|UR0006:other|})
                {
                    (_, buf) = await Ops.ReadAsync(buf);
                }
            }
        }
        """ + TestApi.DisposableBuffer);

    // An argument of the lending call runs before the loan, but may still make the lent variable an alias.
    [Fact]
    public Task TheLentVariableMadeAnAliasInAnArgumentOfTheLendingCall() => Verify.AnalyzerAsync("""
        class C
        {
            async Task Positional(Buf other)
            {
                var buf = new Buf();
                using ({|UR0006:other|})
                {
                    (_, buf) = await At.ReadAsync(buf, (buf = other).Data.Length);
                }
            }

            async Task Named(Buf other)
            {
                var buf = new Buf();
                using ({|UR0006:other|})
                {
                    (_, buf) = await At.ReadAsync(offset: (buf = other).Data.Length, buffer: buf);
                }
            }
        }

        static class At
        {
            public static ValueTask<IoResult<Buf>> ReadAsync([UringSafe.Lends] Buf buffer, int offset) => new(new IoResult<Buf>(offset, buffer));
        }
        """ + TestApi.DisposableBuffer);
    // One step from "declared, then taken back in the next statement" (var w = await op(buf); buf = w.Buffer;), each
    // in a way the dataflow finds something (or might): the skip must not take them.
    private const string NextStatementNearMisses = """
        class C
        {
            async Task UsedBetween(UringFile f)
            {
                var buf = new byte[16];
                var w = await f.ReadAtAsync(buf, 0);
                Sink.Use({|UR0001:buf|});
                buf = w.Buffer;
            }

            async Task ResultKeptAsAlias(Buf other)
            {
                var buf = new Buf();
                var w = await Ops.ReadAsync(buf);
                buf = w.Buffer;
                using ({|UR0006:w.Buffer|})
                {
                    (_, buf) = await Ops.ReadAsync(buf);
                }
            }

            async Task ResultHandedOn(UringFile f)
            {
                var buf = new byte[16];
                var w = await f.ReadAtAsync(buf, 0);
                buf = w.Buffer;
                Hold(w);
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }

            async Task TakenBackTwice(UringFile f)
            {
                var buf = new byte[16];
                var w = await f.ReadAtAsync(buf, 0);
                buf = w.Buffer;
                (_, buf) = await f.ReadAtAsync(buf, 0);
                buf = w.Buffer;
            }

            async Task UsingResult(Buf buf)
            {
                using var w = new Holder(await Ops.ReadAsync(buf));
                buf = w.Result.Buffer;
            }

            async Task TakenBackIntoAnother(UringFile f)
            {
                var buf = new byte[16];
                var w = await f.ReadAtAsync(buf, 0);
                var other = w.Buffer;
                Sink.Use({|UR0001:buf|});
            }

            static void Hold(IoResult<byte[]> r) { }
        }

        sealed class Holder : IDisposable
        {
            public Holder(IoResult<Buf> result) => Result = result;
            public IoResult<Buf> Result { get; }
            public void Dispose() { }
        }
        """ + TestApi.DisposableBuffer;

    [Fact]
    public Task NextStatementNearMissesStillReport() => Verify.AnalyzerAsync(NextStatementNearMisses);

    // 'h = buf' where h is a struct with a user-defined conversion from the buffer: the value assigned is not of a type
    // that can alias, but the dataflow strips the conversion and takes h for an alias of buf (the struct does keep it).
    private const string ConvertedAliases = """
        class C
        {
            async Task ToAStruct(UringFile f)
            {
                var buf = new byte[16];
                Holder h;
                h = buf;
                using ({|UR0006:h|})
                {
                    var r = await f.ReadAtAsync(buf, 0);
                    buf = r.Buffer;
                }
            }

            async Task FromAView(UringFile f)
            {
                var buf = new byte[16];
                Holder h = default;
                (_, buf) = await f.ReadAtAsync(buf, (h = buf.AsMemory()).Length).ConfigureAwait({|UR0006:h|}.Length > 0);
            }
        }

        struct Holder : IDisposable
        {
            public Memory<byte> Memory;
            public int Length => Memory.Length;
            public static implicit operator Holder(byte[] array) => new Holder { Memory = array };
            public static implicit operator Holder(Memory<byte> memory) => new Holder { Memory = memory };
            public void Dispose() => Memory.Span.Clear();
        }
        """;

    [Fact]
    public Task AnAliasMadeThroughAUserDefinedConversion() => Verify.AnalyzerAsync(ConvertedAliases);

    // A foreach calls its collection's GetEnumerator (GetAsyncEnumerator), an invocation in the control flow graph but not in the operation
    // tree: one that lends the collection (an extension with [Lends] on 'this') lends it while the skip sees no loan.
    private const string EnumeratorLends = """
        class C
        {
            async Task M(UringFile f, Ring ring)
            {
                var buf = new byte[16];
                var r = await f.ReadAtAsync(buf, 0);
                buf = r.Buffer;
                foreach (var n in ring)
                {
                }

                Sink.Use({|UR0001:ring|}.Data);
            }

            async Task Async(UringFile f, Ring ring)
            {
                var buf = new byte[16];
                (_, buf) = await f.ReadAtAsync(buf, 0);
                await foreach (var n in ring)
                {
                }

                Sink.Use({|UR0001:ring|}.Data);
            }
        }
        """ + TestApi.LendingRing;

    [Fact]
    public Task AForeachWhoseGetEnumeratorLendsTheCollection() => Verify.AnalyzerAsync(EnumeratorLends);

    // The skip is decided on the functions with a lending invocation in the operation tree: a foreach that lends in
    // a function without one (here around a lambda that lends) was not looked at, yet the dataflow analyzes it.
    [Fact]
    public Task AForeachThatLendsOutsideTheFunctionsThatLend() => Verify.AnalyzerAsync("""
        class C
        {
            Func<Task> M(UringFile f, Ring ring)
            {
                foreach (var n in ring)
                {
                }

                Sink.Use({|UR0001:ring|}.Data);
                return async () =>
                {
                    var buf = new byte[16];
                    (_, buf) = await f.ReadAtAsync(buf, 0);
                };
            }
        }
        """ + TestApi.LendingRing);
}
