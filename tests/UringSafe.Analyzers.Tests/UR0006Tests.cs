namespace UringSafe.Analyzers.Tests;

public class UR0006Tests
{
    [Fact]
    public Task CopyOfReferenceUsedAfterLending() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var b2 = buf;
                var task = f.ReadAtAsync(buf, 0);
                {|UR0006:b2|}[0] = 1;
                (_, buf) = await task;
            }
        }
        """);

    [Fact]
    public Task SpanTakenBeforeLendingUsedAfter() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                Memory<byte> memory = buf.AsMemory();
                var (n, _) = {|UR0002:await f.ReadAtAsync(buf, 0)|};
                Sink.Use({|UR0006:memory|}.Span);
            }
        }
        """);

    [Fact]
    public Task PatternVariableInACatchFilterInALoopIsANewValueEachTime() => Verify.AnalyzerAsync("""
        class C
        {
            static byte[]? Returned(Exception e) => null;

            async Task M(UringFile f)
            {
                var buf = new byte[16];
                for (int i = 0; i < 2; i++)
                {
                    try
                    {
                        (_, buf) = await f.WriteAtAsync(buf, 0);
                    }
                    catch (Exception e) when (Returned(e) is { } back)
                    {
                        buf = back;
                    }
                }
            }
        }
        """);

    [Fact]
    public Task PatternVariableOfALentBufferIsAnAlias() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, object o)
            {
                var buf = new byte[16];
                if (o is byte[] other)
                    buf = other;
                if (buf is { } view)
                {
                    var task = f.ReadAtAsync(buf, 0);
                    {|UR0006:view|}[0] = 1;
                    (_, buf) = await task;
                }
            }
        }
        """);

    [Fact]
    public Task AliasAfterTakeBackIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var b2 = buf;
                (_, buf) = await f.ReadAtAsync(buf, 0);
                b2[0] = 1;
            }
        }
        """);

    [Fact]
    public Task AliasOfFieldThroughParameter() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(Connection conn)
            {
                var view = conn.Buffer;
                var task = conn.File.ReadAtAsync(conn.Buffer, 0);
                Sink.Use({|UR0006:view|});
                (_, conn.Buffer) = await task;
            }
        }
        """);
}
