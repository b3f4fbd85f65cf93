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
    public Task TakingBackInACatchAllDoesNotCoverItsOwnFinally() => Verify.AnalyzerAsync("""
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
}
