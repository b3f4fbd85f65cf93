namespace UringSafe.Analyzers.Tests;

/// <summary>Normal and exceptional flow through try/finally, <c>using</c> and <c>await using</c>.</summary>
public class TryFinallyTests
{
    private const string Helpers = """

        class UringException : Exception
        {
            public object Buffer { get; set; }
        }

        sealed class Res : IDisposable, IAsyncDisposable
        {
            public void Dispose() { }
            public ValueTask DisposeAsync() => default;
        }
        """;

    [Fact]
    public Task LambdaInsideOuterTryCatchIsAnalyzedWithoutCrashing() => Verify.AnalyzerAsync("""
        class C
        {
            void M(UringFile f, Action<Func<Task>> run)
            {
                try
                {
                    run(async () =>
                    {
                        byte[] w = new byte[16];
                        int n;
                        var pending = f.WriteAtAsync(w, 0);
                        Sink.Use({|UR0001:w|});
                        (n, w) = await pending;
                        Sink.Use(w);
                    });
                }
                catch (UringException)
                {
                }
            }
        }
        """ + Helpers);

    [Fact]
    public Task RetakeAfterInnerCatchInsideAwaitUsing() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                await using var res = new Res();
                byte[] w = new byte[16];
                int n;
                (n, w) = await f.WriteAtAsync(w, 0);
                try
                {
                    (n, w) = await f.WriteAtAsync(w, n);
                }
                catch (UringException e)
                {
                    w = (byte[])e.Buffer;
                }

                Sink.Use(w);
            }
        }
        """ + Helpers);

    [Fact]
    public Task RetakeAfterInnerCatchInsideUsingDeclaration() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                using var res = new Res();
                byte[] w = new byte[16];
                int n;
                (n, w) = await f.WriteAtAsync(w, 0);
                try
                {
                    (n, w) = await f.WriteAtAsync(w, n);
                }
                catch (UringException e)
                {
                    w = (byte[])e.Buffer;
                }

                Sink.Use(w);
            }
        }
        """ + Helpers);

    [Fact]
    public Task RetakeAfterInnerCatchInsideTryFinally() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var res = new Res();
                try
                {
                    byte[] w = new byte[16];
                    int n;
                    (n, w) = await f.WriteAtAsync(w, 0);
                    try
                    {
                        (n, w) = await f.WriteAtAsync(w, n);
                    }
                    catch (UringException e)
                    {
                        w = (byte[])e.Buffer;
                    }

                    Sink.Use(w);
                }
                finally
                {
                    res.Dispose();
                }
            }
        }
        """ + Helpers);

    [Fact]
    public Task RetakeAfterInnerCatchAcrossTryFinallyIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var res = new Res();
                byte[] w = new byte[16];
                int n;
                try
                {
                    (n, w) = await f.WriteAtAsync(w, 0);
                    try
                    {
                        (n, w) = await f.WriteAtAsync(w, n);
                    }
                    catch (UringException e)
                    {
                        w = (byte[])e.Buffer;
                    }
                }
                finally
                {
                    res.Dispose();
                }

                Sink.Use(w);
            }
        }
        """ + Helpers);

    [Fact]
    public Task LendingLoopInsideTryFinallyIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                try
                {
                    var offset = 0;
                    while (offset < 64)
                    {
                        int n;
                        (n, buf) = await f.ReadAtAsync(buf, offset);
                        Sink.Use(buf);
                        offset += n + 1;
                    }

                    Sink.Use(buf);
                }
                finally
                {
                    Console.WriteLine("done");
                }

                Pool.Return(buf);
            }
        }
        """);

    [Fact]
    public Task LendingLoopInsideAwaitUsingIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                await using var res = new Res();
                var buf = Pool.Rent();
                for (var i = 0; i < 4; i++)
                {
                    try
                    {
                        (_, buf) = await f.ReadAtAsync(buf, i * 16);
                    }
                    catch (UringException e)
                    {
                        buf = (byte[])e.Buffer;
                    }

                    Sink.Use(buf);
                }

                Pool.Return(buf);
            }
        }
        """ + Helpers);

    [Fact]
    public Task UseInFinallyAfterNormalTakeBackIsStillReported() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                try
                {
                    int n;
                    (n, buf) = await f.ReadAtAsync(buf, 0);
                    (n, buf) = await f.ReadAtAsync(buf, n);
                    Sink.Use(buf);
                }
                finally
                {
                    Pool.Return({|UR0001:buf|});
                }

                Sink.Use(buf);
            }
        }
        """);

    [Fact]
    public Task UseInFinallyInsideAwaitUsingIsStillReported() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                await using var res = new Res();
                var buf = Pool.Rent();
                try
                {
                    (_, buf) = await f.ReadAtAsync(buf, 0);
                }
                finally
                {
                    Pool.Return({|UR0001:buf|});
                }
            }
        }
        """ + Helpers);

    [Fact]
    public Task AssignmentInFinallyMakesBufferUsableAfterTry() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                try
                {
                    var r = await f.ReadAtAsync(buf, 0);
                    Console.WriteLine(r.Result);
                }
                finally
                {
                    buf = Pool.Rent();
                }

                Sink.Use(buf);
            }
        }
        """);

    [Fact]
    public Task TakeBackInFinallyMakesBufferUsableAfterTry() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                var task = f.ReadAtAsync(buf, 0);
                try
                {
                    Console.WriteLine("started");
                }
                finally
                {
                    (_, buf) = await task;
                }

                Sink.Use(buf);
            }
        }
        """);

    [Fact]
    public Task LentOnNormalPathThroughFinallyIsReportedAfterTry() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                try
                {
                    var r = await f.ReadAtAsync(buf, 0);
                    Console.WriteLine(r.Result);
                }
                finally
                {
                    Console.WriteLine("done");
                }

                Sink.Use({|UR0001:buf|});
            }
        }
        """);

    [Fact]
    public Task LendingInFinallyIsSeenAfterTry() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                Task<IoResult<byte[]>> task;
                try
                {
                    Sink.Use(buf);
                }
                finally
                {
                    task = f.WriteAtAsync(buf, 0);
                }

                Sink.Use({|UR0001:buf|});
                (_, buf) = await task;
            }
        }
        """);

    [Fact]
    public Task ReturnThroughNestedFinallies() => Verify.AnalyzerAsync("""
        class C
        {
            async Task<int> M(UringFile f, bool flag)
            {
                var buf = Pool.Rent();
                try
                {
                    try
                    {
                        if (flag)
                        {
                            return 0;
                        }

                        (_, buf) = await f.ReadAtAsync(buf, 0);
                    }
                    finally
                    {
                        Console.WriteLine("inner");
                    }

                    Sink.Use(buf);
                }
                finally
                {
                    Console.WriteLine("outer");
                }

                Sink.Use(buf);
                return 1;
            }
        }
        """);

    [Fact]
    public Task AwaitedResultKeptButBufferNotTakenBack() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                var r = await f.ReadAtAsync(buf, 0);
                Console.WriteLine(r.Result);
                Sink.Use({|UR0001:buf|});
            }
        }
        """);

    [Fact]
    public Task AwaitedResultKeptInsideUsingButBufferNotTakenBack() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                using var res = new Res();
                var buf = Pool.Rent();
                var r = await f.ReadAtAsync(buf, 0);
                Pool.Return({|UR0001:buf|});
            }
        }
        """ + Helpers);
    [Fact]
    public Task BreakAndContinueThroughEnumeratorFinallyAreFine() => Verify.AnalyzerAsync("""
        using System.Collections.Generic;

        class C
        {
            async Task M(UringFile f, List<int> offsets, IAsyncEnumerable<int> more)
            {
                var buf = Pool.Rent();
                foreach (var offset in offsets)
                {
                    int n;
                    (n, buf) = await f.ReadAtAsync(buf, offset);
                    if (n == 0)
                    {
                        break;
                    }

                    if (n == 1)
                    {
                        continue;
                    }

                    Sink.Use(buf);
                }

                await foreach (var offset in more)
                {
                    (_, buf) = await f.ReadAtAsync(buf, offset);
                }

                Pool.Return(buf);
            }
        }
        """);

    [Fact]
    public Task TakeBackInNestedFinallyIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                var task = f.ReadAtAsync(buf, 0);
                try
                {
                    Console.WriteLine("started");
                }
                finally
                {
                    try
                    {
                        Console.WriteLine("inner");
                    }
                    finally
                    {
                        for (var i = 0; i < 2; i++)
                        {
                            Console.WriteLine(i);
                        }

                        (_, buf) = await task;
                    }
                }

                Sink.Use(buf);
            }
        }
        """);

    [Fact]
    public Task NotTakenBackThroughNestedFinalliesIsReported() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                try
                {
                    var task = f.ReadAtAsync(buf, 0);
                    try
                    {
                        Console.WriteLine("started");
                    }
                    finally
                    {
                        Console.WriteLine("inner");
                    }
                }
                finally
                {
                    try
                    {
                        Console.WriteLine("outer");
                    }
                    finally
                    {
                        Console.WriteLine("outermost");
                    }
                }

                Sink.Use({|UR0001:buf|});
            }
        }
        """);

    [Fact]
    public Task UseInFinallyReachedByContinueIsStillReported() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, bool skip)
            {
                var buf = Pool.Rent();
                for (var i = 0; i < 3; i++)
                {
                    try
                    {
                        if (skip)
                        {
                            continue;
                        }

                        (_, buf) = await f.ReadAtAsync(buf, i);
                    }
                    finally
                    {
                        Sink.Use({|UR0001:buf|});
                    }
                }
            }
        }
        """);

    [Fact]
    public Task CatchAndFinallyTogetherAreFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                try
                {
                    (_, buf) = await f.ReadAtAsync(buf, 0);
                }
                catch (UringException e)
                {
                    buf = (byte[])e.Buffer;
                }
                finally
                {
                    Console.WriteLine("done");
                }

                Sink.Use(buf);
                (_, buf) = await f.ReadAtAsync(buf, 0);
                Pool.Return(buf);
            }
        }
        """ + Helpers);
}
