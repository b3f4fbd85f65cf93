using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Files;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Async;

[Collection(FdCountCollection.Name)]
public sealed class CancellationStormTests
{
    private const byte Canary = 0xCC;

    [Fact]
    public void Hundred_thousand_pipe_reads_half_cancelled_lose_no_buffer_and_no_fd()
    {
        const int Workers = 64, OpsPerWorker = 100_000 / Workers + 1;
        int fdsBefore = Fds.OpenFdCount();
        long handedBack = 0, lent = 0, cancelled = 0, completed = 0;
        using (var fds = new Fds())
        {
            var pipes = Enumerable.Range(0, Workers).Select(_ => fds.Pipe()).ToArray();
            UringRuntime.Run(async () =>
            {
                using var pool = new IoBufferPool(64, Workers);
                var files = pipes.Select(p => UringFile.FromFd(fds.Forget(p.Read), "pipe")).ToArray();
                async Task Worker(int w)
                {
                    var random = new Random(w);
                    IoBuffer buf = pool.Rent();
                    buf.FullSpan.Fill(Canary);
                    for (int i = 0; i < OpsPerWorker; i++)
                    {
                        // Nothing may have written into the buffer since it was handed back.
                        Assert.True(buf.FullSpan.IndexOfAnyExcept(Canary) < 0, "a buffer changed after it was handed back");
                        bool cancel = random.Next(2) == 0;
                        using var cts = new CancellationTokenSource();
                        lent++;
                        var pending = files[w].ReadAtAsync(buf, unchecked((long)IoUringConstants.CurrentPosition), cts.Token);
                        if (cancel)
                            cts.Cancel();
                        else
                            Fds.WriteAll(pipes[w].Write, [Canary]);
                        try
                        {
                            int n;
                            (n, buf) = await pending;
                            Assert.Equal(1, n);
                            completed++;
                        }
                        catch (UringOperationCanceledException e)
                        {
                            buf = ReturnedBuffer.From<IoBuffer>(e)!;
                            cancelled++;
                        }
                        handedBack++;
                        Assert.False(buf.IsLent);
                        buf.FullSpan.Fill(Canary);
                    }
                    buf.Dispose();
                }
                await Task.WhenAll(Enumerable.Range(0, Workers).Select(Worker));
                Assert.Equal(0, pool.InUse);
                Assert.Equal(0, UringReactor.Current.InFlight);
                foreach (UringFile f in files)
                    f.Dispose();
            });
        }
        Assert.Equal(lent, handedBack);
        Assert.True(lent >= 100_000);
        Assert.True(cancelled > 40_000 && completed > 40_000, $"cancelled {cancelled}, completed {completed}");
        Assert.Equal(fdsBefore, Fds.OpenFdCount());
    }

    [Fact]
    public void A_per_operation_timeout_cancels_the_read_and_hands_the_buffer_back()
    {
        using var fds = new Fds();
        var (rd, _) = fds.Pipe();
        UringRuntime.Run(async () =>
        {
            using UringFile file = UringFile.FromFd(fds.Forget(rd), "pipe");
            IoBuffer buf = IoBuffer.Allocate(16);
            try
            {
                (_, buf) = await file.ReadAtAsync(buf, -1, TimeSpan.FromMilliseconds(30));
                Assert.Fail("an empty pipe produced data");
            }
            catch (UringTimeoutException e)
            {
                buf = ReturnedBuffer.From<IoBuffer>(e)!;
                Assert.Equal(TimeSpan.FromMilliseconds(30), e.Timeout);
            }
            Assert.False(buf.IsLent);
            buf.Dispose();
            Assert.Equal(0, UringReactor.Current.InFlight);
        });
    }

    [Fact]
    public void A_lent_buffer_refuses_access_until_it_is_handed_back()
    {
        using var fds = new Fds();
        var (rd, wr) = fds.Pipe();
        UringRuntime.Run(async () =>
        {
            using UringFile file = UringFile.FromFd(fds.Forget(rd), "pipe");
            IoBuffer buf = IoBuffer.Allocate(16);
            IoBuffer alias = buf;
            var pending = file.ReadAtAsync(buf, -1);
#pragma warning disable UR0006 // deliberately touching the lent buffer through an alias to show the runtime check
            var ex = Assert.Throws<BufferLentException>(() => alias.Span.Length);
            Assert.Throws<BufferLentException>(() => alias.Dispose());
#pragma warning restore UR0006
            Assert.Contains("lent", ex.Message);
            Fds.WriteAll(wr, "hi"u8);
            (_, buf) = await pending;
            Assert.Equal("hi"u8.ToArray(), buf.Span.ToArray());
            buf.Dispose();
        });
    }
}
