using System.Net.Sockets;
using System.Net;
using System.Text;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Net;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Net;

public class TcpTests
{
    private static readonly IPEndPoint AnyLoopback = new(IPAddress.Loopback, 0);

    [Fact]
    public void AcceptConnectEchoRoundTrip()
    {
        NetRuntime.Run(async () =>
        {
            using var listener = UringTcpListener.Bind(AnyLoopback);
            Assert.NotEqual(0, listener.LocalEndPoint.Port);

            Task<UringTcpStream> acceptTask = listener.AcceptAsync().AsTask();
            await using var client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
            await using var server = await acceptTask;
            Assert.Equal(IPAddress.Loopback, ((IPEndPoint)server.RemoteEndPoint!).Address);
            Assert.Equal(((IPEndPoint)client.LocalEndPoint!).Port, ((IPEndPoint)server.RemoteEndPoint!).Port);

            Task echo = EchoOnce(server);
            IoBuffer buf = IoBuffer.CopyFrom("hello, uring"u8);
            int n;
            (n, buf) = await client.WriteAllAsync(buf);
            Assert.Equal(12, n);
            (n, buf) = await client.ReadAsync(buf);
            Assert.Equal("hello, uring", Encoding.ASCII.GetString(buf.Span));
            await echo;
            buf.Dispose();
        });
    }

    [Fact]
    public void A_socket_is_described_by_the_endpoints_it_had_at_accept_even_once_closed()
    {
        // Issue 24: the description was built with getsockname at message time, so read while the socket closed (and the
        // number was reused) it could name another socket. It is read once, at connect and accept.
        NetRuntime.Run(async () =>
        {
            using var listener = UringTcpListener.Bind(AnyLoopback);
            Task<UringTcpStream> accept = listener.AcceptAsync().AsTask();
            await using var client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
            UringTcpStream server = await accept;
            string local = $"local {listener.LocalEndPoint}";
            Assert.Contains(local, server.SharedFd.Description);
            await server.CloseAsync();
            Assert.Null(server.LocalEndPoint);
            Assert.Contains(local, server.SharedFd.Description);
        });
    }

    private static async Task EchoOnce(UringTcpStream stream)
    {
        IoBuffer buf = IoBuffer.Allocate(1024);
        int n;
        (n, buf) = await stream.ReadAsync(buf);
        Assert.Equal(12, n);
        (_, buf) = await stream.WriteAllAsync(buf);
        buf.Dispose();
    }

    [Fact]
    public void BindAsyncUsesUringBindListenAndManyMessagesEcho()
    {
        NetRuntime.Run(async () =>
        {
            using var listener = await UringTcpListener.BindAsync(AnyLoopback);
            Task<UringTcpStream> acceptTask = listener.AcceptAsync().AsTask();
            using var client = await UringTcpStream.ConnectAsync(IPAddress.Loopback, listener.LocalEndPoint.Port);
            client.NoDelay = true;
            client.KeepAlive = true;
            Assert.True(client.NoDelay);
            Assert.True(client.KeepAlive);
            using var server = await acceptTask;

            Task serverLoop = EchoUntilEof(server);
            byte[] payload = new byte[100];
            byte[] back = new byte[100];
            for (int i = 0; i < 200; i++)
            {
                payload.AsSpan().Fill((byte)i);
                (_, payload) = await client.WriteAllAsync(payload);
                int got = 0;
                while (got < 100)
                {
                    Memory<byte> rest = back.AsMemory(got);
                    int n;
                    (n, rest) = await client.ReadAsync(rest);
                    Assert.True(n > 0);
                    got += n;
                }
                Assert.All(back, b => Assert.Equal((byte)i, b));
            }
            await client.ShutdownAsync(SocketShutdown.Send);
            await serverLoop;
        });
    }

    internal static async Task EchoUntilEof(UringSocketStream stream)
    {
        IoBuffer buf = IoBuffer.Allocate(1024);
        while (true)
        {
            int n;
            (n, buf) = await stream.ReadAsync(buf);
            if (n == 0)
                break;
            (_, buf) = await stream.WriteAllAsync(buf);
        }
        buf.Dispose();
    }

    [Fact]
    public void WriteAllSendsLargeBuffersCompletely()
    {
        NetRuntime.Run(async () =>
        {
            using var listener = UringTcpListener.Bind(AnyLoopback);
            var accept = listener.AcceptAsync();
            using var client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
            using var server = await accept;
            const int Size = 8 << 20;
            IoBuffer big = IoBuffer.Allocate(Size);
            for (int i = 0; i < Size; i += 4096)
                big.FullSpan[i] = (byte)(i >> 12);
            big.Length = Size;
            var send = client.WriteAllAsync(big);
            IoBuffer rx = IoBuffer.Allocate(64 * 1024);
            long total = 0;
            long sum = 0;
            while (total < Size)
            {
                int n;
                (n, rx) = await server.ReadAsync(rx);
                Assert.True(n > 0);
                for (int i = 0; i < n; i++)
                    if (((total + i) & 4095) == 0)
                        sum += rx.Span[i];
                total += n;
            }
            int sent;
            (sent, big) = await send;
            Assert.Equal(Size, sent);
            Assert.Equal(Size, total);
            long expected = 0;
            for (int i = 0; i < Size; i += 4096)
                expected += (byte)(i >> 12);
            Assert.Equal(expected, sum);
            big.Dispose();
            rx.Dispose();
        });
    }

    [Fact]
    public void ConnectRefusedIsSocketExceptionWithErrno()
    {
        NetRuntime.Run(async () =>
        {
            int port;
            using (var l = UringTcpListener.Bind(AnyLoopback))
                port = l.LocalEndPoint.Port;
            var e = await Assert.ThrowsAsync<UringSocketException>(async () => await UringTcpStream.ConnectAsync(IPAddress.Loopback, port));
            Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
            Assert.Equal(Errno.ECONNREFUSED, e.Errno);
            Assert.IsAssignableFrom<SocketException>(e);
        });
    }

    [Fact]
    public void PeerResetMidReadThrowsConnectionResetAndHandsBufferBack()
    {
        NetRuntime.Run(async () =>
        {
            using var listener = UringTcpListener.Bind(AnyLoopback);
            Task<UringTcpStream> acceptTask = listener.AcceptAsync().AsTask();
            var client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
            using var server = await acceptTask;

            IoBuffer buf = IoBuffer.Allocate(256);
            var read = server.ReadAsync(buf);   // in flight when the peer resets
            await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(20));
            client.SetLingerZero();
            client.Dispose();                    // RST
            var e = await Assert.ThrowsAsync<UringSocketException>(async () => await read);
            Assert.Equal(Errno.ECONNRESET, e.Errno);
            Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
            buf = Assert.IsType<IoBuffer>(e.Buffer);
            Assert.False(buf.IsLent);
            buf.FullSpan[0] = 1;                 // ours again
            buf.Dispose();
        });
    }

    [Fact]
    public void WriteToResetPeerIsEpipeOrReset()
    {
        NetRuntime.Run(async () =>
        {
            using var listener = UringTcpListener.Bind(AnyLoopback);
            Task<UringTcpStream> acceptTask = listener.AcceptAsync().AsTask();
            var client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
            using var server = await acceptTask;
            client.SetLingerZero();
            client.Dispose();
            await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(20));
            IoBuffer buf = IoBuffer.CopyFrom(new byte[64]);
            var e = await Assert.ThrowsAsync<UringSocketException>(async () =>
            {
                for (int i = 0; i < 10; i++)
                    (_, buf) = await server.WriteAsync(buf);
            });
            Assert.Contains(e.Errno, new[] { Errno.EPIPE, Errno.ECONNRESET });
            buf = (IoBuffer)e.Buffer!;
            buf.Dispose();
        });
    }
}

public class EchoAllocationTests
{
    [Fact]
    public void EchoHotLoopAllocatesNothingPerMessage()
    {
        NetRuntime.Run(async () =>
        {
            using var listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var accept = listener.AcceptAsync();
            using var client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
            using var server = await accept;
            Task echo = TcpTests.EchoUntilEof(server);

            IoBuffer buf = IoBuffer.Allocate(1024);
            buf.Length = 64;
            (buf, _) = await RoundTrips(client, buf, 3000); // warm up (JIT tiers, pools)
            long allocated = await SteadyStateAllocation.LeastAsync(async () =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                (buf, _) = await RoundTrips(client, buf, 2000);
                return GC.GetAllocatedBytesForCurrentThread() - before;
            });
            Assert.True(allocated < 2000, $"{allocated} bytes allocated for 2000 echo round trips");
            await client.ShutdownAsync(SocketShutdown.Send);
            await echo;
            buf.Dispose();
        });
    }

    private static async ValueTask<(IoBuffer, int)> RoundTrips(UringTcpStream client, IoBuffer buf, int count)
    {
        for (int i = 0; i < count; i++)
        {
            int n;
            (n, buf) = await client.WriteAllAsync(buf);
            int got = 0;
            while (got < 64)
            {
                (n, buf) = await client.ReadAsync(buf);
                got += n;
            }
            buf.Length = 64;
        }
        return (buf, count);
    }
}
