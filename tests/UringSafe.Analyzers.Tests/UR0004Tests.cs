namespace UringSafe.Analyzers.Tests;

public class UR0004Tests
{
    [Fact]
    public Task TwoReadsBeforeAwait() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var first = f.ReadAtAsync(buf, 0);
                var second = f.ReadAtAsync({|UR0004:buf|}, 16);
                await first;
                await second;
            }
        }
        """);

    [Fact]
    public Task LoopStartingOperationsWithOneBuffer() => Verify.AnalyzerAsync("""
        using System.Collections.Generic;

        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var tasks = new List<Task<IoResult<byte[]>>>();
                for (var i = 0; i < 4; i++)
                {
                    tasks.Add(f.WriteAtAsync({|UR0004:buf|}, i * 16));
                }

                await Task.WhenAll(tasks);
            }
        }
        """);

    [Fact]
    public Task LoopAwaitingWithoutTakeBack() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                for (var i = 0; i < 4; i++)
                {
                    {|UR0002:await f.ReadAtAsync({|UR0001:buf|}, i * 16)|};
                }
            }
        }
        """);

    [Fact]
    public Task LoopTakingBackIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var offset = 0;
                while (offset < 64)
                {
                    int n;
                    (n, buf) = await f.ReadAtAsync(buf, offset);
                    offset += n + 1;
                }

                Sink.Use(buf);
            }
        }
        """);

    [Fact]
    public Task LendingThroughAlias() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var copy = buf;
                var first = f.ReadAtAsync(buf, 0);
                var second = f.ReadAtAsync({|UR0004:copy|}, 16);
                await first;
                await second;
            }
        }
        """);

    [Fact]
    public Task FreshBufferEachIterationIsFine() => Verify.AnalyzerAsync("""
        using System.Collections.Generic;

        class C
        {
            async Task M(UringFile f)
            {
                var tasks = new List<Task<IoResult<byte[]>>>();
                for (var i = 0; i < 4; i++)
                {
                    var buf = new byte[16];
                    tasks.Add(f.WriteAtAsync(buf, i * 16));
                }

                await Task.WhenAll(tasks);
            }
        }
        """);

    [Fact]
    public Task ReassigningWithFreshBufferIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var first = f.ReadAtAsync(buf, 0);
                buf = new byte[16];
                Sink.Use(buf);
                var second = f.ReadAtAsync(buf, 16);
                await first;
                await second;
            }
        }
        """);
}
