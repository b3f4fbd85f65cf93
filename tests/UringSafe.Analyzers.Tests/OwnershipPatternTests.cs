namespace UringSafe.Analyzers.Tests;

/// <summary>
/// The patterns docs/analyzers.md ("using, try/finally and pools") recommends compile clean under the ownership rules,
/// and the ones it warns against are reported.
/// </summary>
public class OwnershipPatternTests
{
    private const string Support = """

        sealed class Buf : IDisposable
        {
            public void Dispose() { }
        }

        static class Ops
        {
            public static ValueTask<IoResult<Buf>> ReadAsync([UringSafe.Lends] Buf buffer) => new(new IoResult<Buf>(0, buffer));
            public static ValueTask<IoResult<Buf>> WriteAsync([UringSafe.Lends] Buf buffer) => new(new IoResult<Buf>(0, buffer));
            public static void Process(Buf buffer, int n) { }
        }

        static class ReturnedBuffer
        {
            public static T From<T>(Exception exception) where T : class => null;
        }
        """;

    [Fact]
    public Task UsingOnTheBufferThatCameBack() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M()
            {
                var (n, returned) = await Ops.ReadAsync(new Buf());
                using Buf buf = returned;
                Ops.Process(buf, n);
            }
        }
        """ + Support);

    [Fact]
    public Task NarrowTryTakesTheBufferBackOnTheExceptionPath() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(Buf buf)
            {
                int n;
                try
                {
                    (n, buf) = await Ops.ReadAsync(buf);
                }
                catch (Exception e) when (ReturnedBuffer.From<Buf>(e) is { } back)
                {
                    back.Dispose();
                    throw;
                }

                using (buf)
                {
                    Ops.Process(buf, n);
                }
            }
        }
        """ + Support);

    [Fact]
    public Task LoopReturnsTheBufferFromTheExceptionOrAfterTheLoop() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(Buf buf)
            {
                try
                {
                    while (true)
                    {
                        int n;
                        (n, buf) = await Ops.ReadAsync(buf);
                        if (n == 0)
                        {
                            break;
                        }

                        (_, buf) = await Ops.WriteAsync(buf);
                    }
                }
                catch (Exception e)
                {
                    ReturnedBuffer.From<Buf>(e)?.Dispose();
                    throw;
                }

                buf.Dispose();
            }
        }
        """ + Support);

    [Fact]
    public Task TakingBackInACatchAllCoversItsOwnFinally() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(Buf buf)
            {
                try
                {
                    (_, buf) = await Ops.ReadAsync(buf);
                }
                catch (Exception e)
                {
                    buf = ReturnedBuffer.From<Buf>(e);
                    throw;
                }
                finally
                {
                    buf?.Dispose();
                }
            }

            async Task Loop(Buf buf)
            {
                try
                {
                    for (int i = 0; i < 3; i++)
                    {
                        (_, buf) = await Ops.ReadAsync(buf);
                        (_, buf) = await Ops.WriteAsync(buf);
                    }
                }
                catch (Exception e)
                {
                    buf = ReturnedBuffer.From<Buf>(e);
                    Console.WriteLine(e.Message);
                    throw;
                }
                finally
                {
                    buf?.Dispose();
                }
            }

            async Task CatchWithoutVariableName(Buf buf)
            {
                try
                {
                    (_, buf) = await Ops.ReadAsync(buf);
                }
                catch (System.Exception e)
                {
                    buf = ReturnedBuffer.From<Buf>(e)!;
                    throw new InvalidOperationException("read failed", e);
                }
                finally
                {
                    buf?.Dispose();
                }
            }
        }
        """ + Support);

    [Fact]
    public Task ACatchThatDoesNotCatchEverythingLeavesTheFinallyExposed() => Verify.AnalyzerAsync("""
        class C
        {
            async Task Filtered(Buf buf, bool retry)
            {
                try
                {
                    (_, buf) = await Ops.ReadAsync(buf);
                }
                catch (Exception e) when (retry)
                {
                    buf = ReturnedBuffer.From<Buf>(e);
                    throw;
                }
                finally
                {
                    {|UR0001:buf|}?.Dispose();
                }
            }

            async Task Narrow(Buf buf)
            {
                try
                {
                    (_, buf) = await Ops.ReadAsync(buf);
                }
                catch (InvalidOperationException e)
                {
                    buf = ReturnedBuffer.From<Buf>(e);
                    throw;
                }
                finally
                {
                    {|UR0001:buf|}?.Dispose();
                }
            }

            async Task UsedBeforeTheTakeBack(Buf buf)
            {
                try
                {
                    (_, buf) = await Ops.ReadAsync(buf);
                }
                catch (Exception e)
                {
                    Ops.Process({|UR0001:buf|}, 0);
                    buf = ReturnedBuffer.From<Buf>(e);
                    throw;
                }
                finally
                {
                    {|UR0001:buf|}?.Dispose();
                }
            }
        }
        """ + Support);

    [Fact]
    public Task FinallyThatDisposesALentBufferIsReported() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(Buf buf)
            {
                try
                {
                    (_, buf) = await Ops.ReadAsync(buf);
                }
                finally
                {
                    {|UR0001:buf|}.Dispose();
                }
            }
        }
        """ + Support);

    [Fact]
    public Task ArrayPoolRentLendReturn() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile file)
            {
                byte[] buf = Pool.Rent();
                int n;
                try
                {
                    (n, buf) = await file.ReadAtAsync(buf, 0);
                }
                catch (Exception e) when (ReturnedBuffer.From<byte[]>(e) is { } back)
                {
                    Pool.Return(back);
                    throw;
                }

                try
                {
                    Sink.Use(buf.AsSpan(0, n));
                }
                finally
                {
                    Pool.Return(buf);
                }
            }
        }
        """ + Support);

    /// <summary>docs/analyzers.md's ArrayPool example, exactly: <c>ArrayPool&lt;byte&gt;.Shared</c> is not an alias of what it rents.</summary>
    [Fact]
    public Task ArrayPoolSharedRentLendReturn() => Verify.AnalyzerAsync("""
        using System.Buffers;

        class C
        {
            async Task M(UringFile file)
            {
                byte[] buf = ArrayPool<byte>.Shared.Rent(4096);
                int n;
                try
                {
                    (n, buf) = await file.ReadAtAsync(buf, 0);
                }
                catch (Exception e) when (ReturnedBuffer.From<byte[]>(e) is { } back)
                {
                    ArrayPool<byte>.Shared.Return(back);
                    throw;
                }

                try
                {
                    Process(buf.AsSpan(0, n));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buf);        // owned again: the read gave it back
                }
            }

            static void Process(ReadOnlySpan<byte> data) { }
        }
        """ + Support);

    [Fact]
    public Task ArrayPoolSharedReturnInAFinallyAfterATakeBackIsOneDiagnosticAtMost() => Verify.AnalyzerAsync("""
        using System.Buffers;

        class C
        {
            async Task TakenBack(UringFile file)
            {
                byte[] buf = ArrayPool<byte>.Shared.Rent(16);
                try
                {
                    (_, buf) = await file.ReadAtAsync(buf, 0);
                }
                catch (Exception e)
                {
                    buf = ReturnedBuffer.From<byte[]>(e);
                    throw;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buf);
                }
            }

            async Task NotTakenBack(UringFile file)
            {
                byte[] buf = ArrayPool<byte>.Shared.Rent(16);
                try
                {
                    (_, buf) = await file.ReadAtAsync(buf, 0);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return({|UR0001:buf|});
                }
            }

            async Task RentedFromAPoolField(UringFile file, ArrayPool<byte> pool)
            {
                byte[] buf = pool.Rent(16);
                var task = file.ReadAtAsync(buf, 0);
                pool.Return(new byte[1]);
                (_, buf) = await task;
                pool.Return(buf);
            }
        }
        """ + Support);
}

