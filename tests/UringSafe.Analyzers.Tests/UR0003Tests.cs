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

    // A conditional access (`mirror?.WriteAtAsync(...)`) drops the task just like a plain call.

    [Fact]
    public Task ConditionalAccessCallAsAStatementIsDropped() => Verify.AnalyzerAsync("""
        class C
        {
            void M(UringFile? mirror, byte[] buf, long off)
            {
                {|UR0003:mirror?.WriteAtAsync(buf, off)|};
            }
        }
        """);

    [Fact]
    public Task ConditionalAccessCallDiscardedIsDropped() => Verify.AnalyzerAsync("""
        class C
        {
            void M(UringFile? mirror, byte[] buf)
            {
                _ = {|UR0003:mirror?.ReadAtAsync(buf, 0)|};
            }
        }
        """);

    [Fact]
    public Task ConditionalAccessThroughAMemberAndConfigureAwaitIsDropped() => Verify.AnalyzerAsync("""
        class C
        {
            void M(Connection? conn, byte[] a, byte[] b)
            {
                {|UR0003:conn?.File.WriteAtAsync(a, 0)|};
                {|UR0003:conn?.File.WriteAtAsync(b, 0).ConfigureAwait(false)|};
            }
        }
        """);

    [Fact]
    public Task ConditionalAccessTaskStoredOrAwaitedIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile? mirror, byte[] a, byte[] b)
            {
                var stored = mirror?.WriteAtAsync(a, 0);
                if (stored != null)
                {
                    (_, a) = await stored;
                }

                if (mirror?.ReadAtAsync(b, 0) is { } reading)
                {
                    (_, b) = await reading;
                }
            }
        }
        """);

    // The message steers to the take-back form: a bare `await` (the IDE's "Add await") only turns UR0003 into UR0002.

    [Fact]
    public Task MessageNamesTheTakeBackFormNotABareAwait() => Verify.AnalyzerAsync("""
        class C
        {
            void M(UringFile f, byte[] buf)
            {
                {|#0:f.ReadAtAsync(buf, 0)|};
            }
        }
        """,
        Verify.Diagnostic(DiagnosticDescriptors.UR0003_InFlightOperationDropped, 0, "ReadAtAsync",
            "await it and take the buffer back, '(_, buf) = await ...;' (a bare 'await' leaves 'buf' lent: UR0002), or store or return the task"));

    [Fact]
    public Task MessageForABufferPropertyResultAndForRawMemory() => Verify.AnalyzerAsync("""
        unsafe class C
        {
            void M(UringFile f, byte[] buf, byte* p)
            {
                {|#0:f.FillAsync(buf)|};
                {|#1:f.ReadRawAsync(p, 4)|};
            }
        }
        """,
        Verify.Diagnostic(DiagnosticDescriptors.UR0003_InFlightOperationDropped, 0, "FillAsync",
            "await it and take the buffer back, 'buf = (await ...).Buffer;' (a bare 'await' leaves 'buf' lent: UR0002), or store or return the task"),
        Verify.Diagnostic(DiagnosticDescriptors.UR0003_InFlightOperationDropped, 1, "ReadRawAsync",
            "await it, or store or return the task"));
}

