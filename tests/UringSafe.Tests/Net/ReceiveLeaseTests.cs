using System.Net;
using System.Text;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Net;

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
