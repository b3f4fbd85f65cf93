namespace UringSafe.Analyzers.Tests;

public class UR0003Tests
{

    [Fact]
    public Task CallAsStatement() => Verify.AnalyzerAsync("""
        class C
        {
            void M(UringFile f, byte[] buf)
            {
                {|UR0003:f.ReadAtAsync(buf, 0)|};
            }
        }
        """);

    [Fact]
    public Task DiscardedTask() => Verify.AnalyzerAsync("""
        class C
        {
            void M(UringFile f, byte[] buf)
            {
                _ = {|UR0003:f.WriteAtAsync(buf, 0)|};
            }
        }
        """);

    [Fact]
    public Task ReturningTheTaskIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            ValueTask<IoResult<byte[]>> M(UringFile f, byte[] buf) => f.ReadAtAsync(buf, 0);

            Task<IoResult<byte[]>> N(UringFile f, byte[] buf)
            {
                return f.WriteAtAsync(buf, 0);
            }
        }
        """);

    [Fact]
    public Task StoringTheTaskIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            private ValueTask<IoResult<byte[]>> _pending;

            void M(UringFile f, byte[] buf)
            {
                _pending = f.ReadAtAsync(buf, 0);
            }
        }
        """);

    [Fact]
    public Task PassingTheTaskOnIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, byte[] a, byte[] b)
            {
                await Task.WhenAll(f.WriteAtAsync(a, 0), f.WriteAtAsync(b, 16));
                Sink.Keep(f.ReadAtAsync(new byte[4], 0));
            }
        }
        """);

    [Fact]
    public Task NonAnnotatedMethodsAreNeverFlagged() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                f.PlainReadAsync(buf, 0);
                await f.PlainReadAsync(buf, 0);
                _ = f.PlainReadAsync(buf, 0);
                var t1 = f.PlainReadAsync(buf, 0);
                var t2 = f.PlainReadAsync(buf, 0);
                buf[0] = 1;
                await t1;
                await t2;
            }
        }
        """);
}
