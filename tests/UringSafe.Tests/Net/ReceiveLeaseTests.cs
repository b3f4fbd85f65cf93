using System.Net;
using System.Text;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Net;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Net;

public class ReceiveLeaseTests
{
    private static async Task<(UringTcpListener, UringTcpStream Client, UringTcpStream Server)> Pair()
    {
        var listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Task<UringTcpStream> accept = listener.AcceptAsync().AsTask();
        var client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
        return (listener, client, await accept);
    }

    private static async Task Send(UringTcpStream s, string text)
    {
        byte[] data = Encoding.ASCII.GetBytes(text);
        (_, data) = await s.WriteAllAsync(data);
    }

    [Fact]
    public void LeaseReturnedOnceDoubleReturnThrowsAndRingStillWorks()
    {
        NetRuntime.Run(async () =>
        {
            var (listener, client, server) = await Pair();
            using var pool = new ProvidedBufferPool(bufferSize: 64, count: 4);

            await Send(client, "first");
            ReceivedBuffer lease = await server.ReceiveAsync(pool);
            Assert.Equal("first", Encoding.ASCII.GetString(lease.Span));
            Assert.Equal(1, pool.Leased);
            ReceivedBuffer copy = lease;         // copies share the lease
            lease.Return();
            Assert.Equal(0, pool.Leased);
            Assert.False(copy.IsLeased);
            Assert.Throws<BufferAlreadyReturnedException>(() => lease.Return());
            copy.Dispose();                      // Dispose may be repeated: nothing happens
            Assert.Throws<BufferAlreadyReturnedException>(() => copy.Span.Length);
            Assert.Equal(0, pool.Leased);        // the failed return and the repeated Dispose changed nothing
            Assert.Equal(4, pool.Available);

            // The ring is intact: many more receives cycle through all four buffers, each handed back once.
            for (int i = 0; i < 20; i++)
            {
                await Send(client, $"msg{i:D2}");
                var sb = new StringBuilder();
                while (sb.Length < 5)
                {
                    ReceivedBuffer r = await server.ReceiveAsync(pool);
                    Assert.False(r.IsEndOfStream);
                    sb.Append(Encoding.ASCII.GetString(r.Span));
                    r.Return();
                }
                Assert.Equal($"msg{i:D2}", sb.ToString());
            }
            Assert.Equal(0, pool.Leased);

            client.Dispose();
            ReceivedBuffer eof = await server.ReceiveAsync(pool);
            Assert.True(eof.IsEndOfStream);
            eof.Return(); // no buffer: nothing to hand back
            server.Dispose();
            listener.Dispose();
        });
    }

    [Fact]
    public void DisposingAStaleLeaseLeavesTheBuffersNextLeaseAlone()
    {
        NetRuntime.Run(async () =>
        {
            var (listener, client, server) = await Pair();
            using var pool = new ProvidedBufferPool(bufferSize: 64, count: 1); // one buffer: every lease is buffer 0

            await Send(client, "a");
            ReceivedBuffer first = await server.ReceiveAsync(pool);
            first.Dispose();
            await Send(client, "b");
            ReceivedBuffer second = await server.ReceiveAsync(pool);
            Assert.Equal(first.BufferId, second.BufferId);
            first.Dispose();                  // the stale lease: must not hand back the buffer 'second' now holds
            Assert.True(second.IsLeased);
            Assert.Equal(1, pool.Leased);
            Assert.Equal("b", Encoding.ASCII.GetString(second.Span));
            second.Dispose();
            second.Dispose();
            Assert.Equal(0, pool.Leased);
            Assert.Equal(1, pool.Available);
            server.Dispose();
            client.Dispose();
            listener.Dispose();
        });
    }

    [Fact]
    public void DataArrivingWhileNobodyWaitsIsQueuedAndExhaustedPoolRearms()
    {
        NetRuntime.Run(async () =>
        {
            var (listener, client, server) = await Pair();
            using var pool = new ProvidedBufferPool(bufferSize: 8, count: 2);

            // Arm by receiving once.
            await Send(client, "a");
            ReceivedBuffer first = await server.ReceiveAsync(pool);
            Assert.Equal("a", Encoding.ASCII.GetString(first.Span));

            // 24 more bytes: only one 8-byte buffer is left in the ring, so the kernel ends the multishot (ENOBUFS)
            // after filling it; the rest waits in the socket until buffers come back.
            await Send(client, "bbbbbbbbccccccccdddddddd");
            await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(30));
            Assert.Equal(2, pool.Leased);
            first.Return();

            var received = new StringBuilder();
            while (received.Length < 24)
            {
                ReceivedBuffer r = await server.ReceiveAsync(pool);
                received.Append(Encoding.ASCII.GetString(r.Span));
                r.Return();
            }
            Assert.Equal("bbbbbbbbccccccccdddddddd", received.ToString());
            Assert.Equal(0, pool.Leased);
            server.StopReceiving();
            client.Dispose();
            server.Dispose();
            listener.Dispose();
        });
    }

    [Fact]
    public void A_reader_that_does_not_keep_up_holds_at_most_the_queue_bound()
    {
        Watchdog.Run("a flood nobody reads, then read", async () =>
        {
            var (listener, client, server) = await Pair();
            using var pool = new ProvidedBufferPool(bufferSize: 4096, count: 1024);
            await Send(client, "a");
            ReceivedBuffer first = await server.ReceiveAsync(pool); // armed

            // 4 MiB while nobody reads: without the kernel's byte limit the multishot drains the socket into the ring
            // faster than a cancel lands (963 buffers here). With it: 64 buffers' worth of bytes, in a few more buffers
            // when a wake-up ends in a partly filled one (one per 64 KiB loopback segment at most).
            byte[] flood = new byte[4 << 20];
            for (int i = 0; i < flood.Length; i++)
                flood[i] = (byte)(i * 7);
            byte[] expected = (byte[])flood.Clone(); // flood is the kernel's until the send returns it
            Task<IoResult<byte[]>> sending = client.WriteAllAsync(flood).AsTask();
            await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(300));
            const int PartlyFilled = 8;
            Assert.True(pool.Leased <= MultishotReceiver.MaxQueued + 1 + PartlyFilled,
                $"a reader that stopped reading holds {pool.Leased} provided buffers; the queue bound is {MultishotReceiver.MaxQueued} (+1 in its hand, +{PartlyFilled} partly filled)");
            first.Return();

            // Everything arrives, in order, once the reader reads again.
            long got = 0;
            while (got < expected.Length)
            {
                ReceivedBuffer r = await server.ReceiveAsync(pool);
                Assert.False(r.IsEndOfStream, "the stream ended early");
                Assert.True(r.Span.SequenceEqual(expected.AsSpan((int)got, r.Length)), $"bytes {got}..{got + r.Length} differ from what was sent");
                got += r.Length;
                r.Return();
            }
            Assert.True(await Watchdog.FinishesWithin(sending, TimeSpan.FromSeconds(10)), "Watchdog: the sender never finished.");
            (_, flood) = await sending;
            Assert.Equal(0, pool.Leased);
            server.StopReceiving();
            client.Dispose();
            server.Dispose();
            listener.Dispose();
        }, limit: TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void CancelledReceiveKeepsLaterData()
    {
        NetRuntime.Run(async () =>
        {
            var (listener, client, server) = await Pair();
            using var pool = new ProvidedBufferPool(bufferSize: 64, count: 4);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await server.ReceiveAsync(pool, cts.Token));
            await Send(client, "late");
            ReceivedBuffer r = await server.ReceiveAsync(pool);
            Assert.Equal("late", Encoding.ASCII.GetString(r.Span));
            r.Dispose();
            server.Dispose();
            client.Dispose();
            listener.Dispose();
        });
    }
}
