using System.Net;
using System.Net.Sockets;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Net;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Net;

public class ListenerTests
{
    private static readonly IPEndPoint AnyLoopback = new(IPAddress.Loopback, 0);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AcceptCancelThenNextAcceptGetsTheConnection(bool multishot)
    {
        NetRuntime.Run(async () =>
        {
            using var listener = UringTcpListener.Bind(AnyLoopback, new UringListenerOptions { Multishot = multishot });
            using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(20)))
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await listener.AcceptAsync(cts.Token));

            using var client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
            using var server = await listener.AcceptAsync();
            Assert.Equal(((IPEndPoint)client.LocalEndPoint!).Port, ((IPEndPoint)server.RemoteEndPoint!).Port);
        });
    }

    [Fact]
    public void ConnectionsArrivingWhileNobodyAwaitsAreQueued()
    {
        NetRuntime.Run(async () =>
        {
            using var listener = UringTcpListener.Bind(AnyLoopback, new UringListenerOptions { MaxPendingAccepts = 4 });
            var clients = new List<UringTcpStream>();
            for (int i = 0; i < 10; i++)
                clients.Add(await UringTcpStream.ConnectAsync(listener.LocalEndPoint));
            await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(20));
            Assert.InRange(listener.PendingAccepts, 1, 4); // bounded: the rest wait in the kernel's backlog

            var ports = new HashSet<int>();
            for (int i = 0; i < 10; i++)
            {
                using var s = await listener.AcceptAsync();
                ports.Add(((IPEndPoint)s.RemoteEndPoint!).Port);
            }
            Assert.Equal(clients.Select(c => ((IPEndPoint)c.LocalEndPoint!).Port).ToHashSet(), ports);
            foreach (var c in clients)
                c.Dispose();
        });
    }

    [Fact]
    public void ClosingTheListenerFailsAPendingAccept()
    {
        NetRuntime.Run(async () =>
        {
            var listener = UringTcpListener.Bind(AnyLoopback);
            var accept = listener.AcceptAsync();
            listener.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await accept);
        });
    }

    [Fact]
    public void ReusePortListenersShareAPort()
    {
        NetRuntime.Run(async () =>
        {
            var options = new UringListenerOptions { ReusePort = true };
            using var a = UringTcpListener.Bind(AnyLoopback, options);
            using var b = UringTcpListener.Bind(a.LocalEndPoint, options);
            Assert.Equal(a.LocalEndPoint, b.LocalEndPoint);
            using var client = await UringTcpStream.ConnectAsync(a.LocalEndPoint);
            await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(10));
            Assert.Equal(1, a.PendingAccepts + b.PendingAccepts);
        });
    }
}

[Collection(FdCountCollection.Name)]
public class ListenerFdTests
{
    [Fact]
    public void FdCountBackToBaselineAfterManyConnections()
    {
        Dictionary<string, int> baseline = Fds.OpenFdTargets();
        NetRuntime.Run(async () =>
        {
            using var pool = new ProvidedBufferPool(256, 64);
            // Multishot and single-shot listeners, clean closes, resets mid-read, cancelled accepts.
            foreach (bool multishot in new[] { true, false })
            {
                using var listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), new UringListenerOptions { Multishot = multishot });
                for (int i = 0; i < 100; i++)
                {
                    var accept = listener.AcceptAsync();
                    var client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
                    var server = await accept;
                    IoBuffer buf = IoBuffer.CopyFrom("ping"u8);
                    (_, buf) = await client.WriteAllAsync(buf);
                    if (i % 3 == 0)
                    {
                        ReceivedBuffer r = await server.ReceiveAsync(pool);
                        r.Return();
                    }
                    else
                    {
                        (_, buf) = await server.ReadAsync(buf);
                    }
                    if (i % 2 == 0)
                    {
                        // peer reset while a read is in flight
                        var read = server.ReadAsync(buf);
                        client.SetLingerZero();
                        client.Dispose();
                        try
                        {
                            (_, buf) = await read;
                        }
                        catch (UringSocketException e)
                        {
                            buf = (IoBuffer)e.Buffer!;
                        }
                        await server.CloseAsync();
                    }
                    else
                    {
                        await client.CloseAsync();
                        server.Dispose();
                    }
                    buf.Dispose();
                }
                using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(5)))
                {
                    try
                    {
                        using var s = await listener.AcceptAsync(cts.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
                // A connection the kernel accepts after the last AcceptAsync: queued, then closed with the listener.
                using var late = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
                await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(10));
            }
            Assert.Equal(0, pool.Leased);
        });
        Fds.AssertSameFds(baseline, Fds.OpenFdTargets());
    }

    [Fact]
    public void EmfileOnAcceptBacksOffReportsAndRecovers()
    {
        NetRuntime.Run(async () =>
        {
            using var listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0),
                new UringListenerOptions { InitialBackoff = TimeSpan.FromMilliseconds(5), MaxBackoff = TimeSpan.FromMilliseconds(80) });
            var errors = new List<(string Errno, TimeSpan Delay)>();
            listener.AcceptError += (e, delay) => errors.Add((e.ErrnoName, delay));

            var clients = new List<int>();
            Rlimit old = GetNoFile();
            try
            {
                // Lower RLIMIT_NOFILE to just above what is open, then take the remaining fds with client sockets:
                // the kernel's accepts now fail with EMFILE.
                SetNoFile(new Rlimit { Cur = (ulong)Directory.GetFiles("/proc/self/fd").Length + 4, Max = old.Max });
                while (NewSocket() is int fd and >= 0)
                    clients.Add(fd);
                Assert.NotEmpty(clients);
                foreach (int fd in clients)
                    ConnectSync(fd, listener.LocalEndPoint); // the handshake completes in the kernel's backlog
                await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(400));
                Assert.True(listener.AcceptErrorCount > 0, "EMFILE was not reported");
                Assert.InRange(listener.AcceptErrorCount, 1, 30); // backed off, never spun
                Assert.Contains(errors, e => e.Errno is "EMFILE" or "ENFILE");
                Assert.Contains(errors, e => e.Delay == TimeSpan.FromMilliseconds(80)); // the back-off reached its cap
            }
            finally
            {
                SetNoFile(old);
            }
            // Recovered: every client is accepted once fds are available again.
            for (int i = 0; i < clients.Count; i++)
            {
                using var s = await listener.AcceptAsync();
            }
            foreach (int fd in clients)
                Tmds.Linux.LibC.close(fd);
        });
    }

    private struct Rlimit
    {
        public ulong Cur;
        public ulong Max;
    }

    private const int RlimitNoFile = 7;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern unsafe int getrlimit(int resource, Rlimit* limit);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern unsafe int setrlimit(int resource, Rlimit* limit);

    private static unsafe Rlimit GetNoFile()
    {
        Rlimit r;
        Assert.Equal(0, getrlimit(RlimitNoFile, &r));
        return r;
    }

    private static unsafe void SetNoFile(Rlimit r) => Assert.Equal(0, setrlimit(RlimitNoFile, &r));

    private static int NewSocket() => Tmds.Linux.LibC.socket(2, 1 | 0x80000, 0);

    private static unsafe void ConnectSync(int fd, IPEndPoint ep)
    {
        byte* sa = stackalloc byte[16];
        new Span<byte>(sa, 16).Clear();
        sa[0] = 2;
        sa[2] = (byte)(ep.Port >> 8);
        sa[3] = (byte)ep.Port;
        ep.Address.TryWriteBytes(new Span<byte>(sa + 4, 4), out _);
        if (Tmds.Linux.LibC.connect(fd, (Tmds.Linux.sockaddr*)sa, 16) != 0)
            throw new SocketException(Tmds.Linux.LibC.errno);
    }
}
