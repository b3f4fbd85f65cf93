namespace UringSafe.Analyzers.Tests;

public class UR0002Tests
{
    [Fact]
    public Task AwaitAsStatement() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, byte[] buf) => {|UR0002:await f.ReadAtAsync(buf, 0)|};
        }
        """);

    [Fact]
    public Task DiscardAssignment() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                _ = {|UR0002:await f.WriteAtAsync(buf, 0)|};
            }
        }
        """);

    [Fact]
    public Task DeconstructionDiscardsBuffer() => Verify.AnalyzerAsync("""
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                var (n, _) = {|UR0002:await f.ReadAtAsync(buf, 0)|};
                return n;
            }
        }
        """);

    [Fact]
    public Task TupleResultDiscarded() => Verify.AnalyzerAsync("""
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                var (n, _) = {|UR0002:await f.ReadTupleAsync(buf)|};
                return n;
            }
        }
        """);

    [Fact]
    public Task ConfigureAwaitStatement() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                {|UR0002:await f.WriteAtAsync(buf, 0).ConfigureAwait(false)|};
            }
        }
        """);

    [Fact]
    public Task CorrectPatternsProduceNoDiagnostics() => Verify.AnalyzerAsync("""
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                int n;
                (n, buf) = await f.ReadAtAsync(buf, 0);
                var r = await f.WriteAtAsync(buf, n);
                buf = r.Buffer;
                var filled = await f.FillAsync(buf);
                buf = filled.Buffer;
                (n, buf) = await f.ReadTupleAsync(buf);
                return n + buf.Length;
            }
        }
        """);

    [Fact]
    public Task RawPointerResultHasNoBufferToTakeBack() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, nint memory)
            {
                await f.ReadNativeAsync(memory, 16);
                await f.ReadNativeAsync(memory, 16);
            }
        }
        """);

    [Fact]
    public Task ResultPropertyOfAwaitedResultDropsTheBuffer() => Verify.AnalyzerAsync("""
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                int n = ({|UR0002:await f.ReadAtAsync(buf, 0)|}).Result;
                n += (await f.ReadAtAsync({|UR0001:buf|}, 0)).Buffer.Length;
                return n;
            }
        }
        """);

    [Fact]
    public Task ResultPropertyOfConfiguredAwaitDropsTheBuffer() => Verify.AnalyzerAsync("""
        class C
        {
            async Task<int> M(UringFile file, byte[] buf)
            {
                int n = ({|UR0002:await file.ReadAtAsync(buf, 0).ConfigureAwait(false)|}).Result;
                return n + {|UR0001:buf|}.Length;
            }
        }
        """);

    [Fact]
    public Task TupleResultElementDropsTheBuffer() => Verify.AnalyzerAsync("""
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                return ({|UR0002:await f.ReadTupleAsync(buf)|}).Result;
            }
        }
        """);

    [Fact]
    public Task BufferPropertyOfAwaitedResultKeepsTheBuffer() => Verify.AnalyzerAsync("""
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                buf = (await f.ReadAtAsync(buf, 0)).Buffer;
                buf = (await f.ReadTupleAsync(buf)).Buffer;
                return buf.Length;
            }
        }
        """);
}
