using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Net;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Net;

/// <summary>
/// The quick version of the bench's <c>soak</c>: an echo server on the reactor, one pooled buffer per connection, and
/// plain-socket clients on the thread pool that open and close, reset (SO_LINGER 0, some mid-message) and half-close
/// concurrently. Afterwards every pooled buffer is back and the process has the fds it had before.
/// </summary>
[Collection(FdCountCollection.Name)]
public class ChurnTests
{
    private const int Clients = 8;
    private const int MaxMessage = 20_000; // above the 16 KiB buffer: some echoes take several reads and writes
    private const int MaxHalfClose = 32 * 1024;
    private static readonly TimeSpan ChurnTime = TimeSpan.FromSeconds(2.5);

    [Fact]
    public void ChurnReturnsEveryBufferAndFd()
    {
        // A short untimed round first: assemblies mapped on first use (Tmds.LibC; System.Net.NameResolution, which the
        // tier-1 JIT of Socket.ConnectAsync loads whenever it happens to run) and the sockets' epoll engine hold fds for
        // the rest of the process, so they must be open before the baseline.
        _ = typeof(Dns).Assembly;
        Churn(TimeSpan.FromMilliseconds(300));
        Dictionary<string, int> baseline = Fds.OpenFdTargets();

        Counts counts = Churn(ChurnTime);

        Assert.True(counts.ErrorKinds.IsEmpty, "client errors: " + string.Join("; ", counts.ErrorKinds.Select(k => $"{k.Key} x{k.Value}")));
        Assert.True(counts.Normal > 0 && counts.Resets > 0 && counts.ResetsMidMessage > 0 && counts.HalfCloses > 0,
            $"every kind ran: {counts.Normal} normal, {counts.Resets} resets ({counts.ResetsMidMessage} mid-message), {counts.HalfCloses} half-closes");
        Assert.True(counts.RoundTrips > 0);
        Assert.True(counts.ServerResets > 0, "the server saw no ECONNRESET/EPIPE");
        Fds.AssertSameFds(baseline, Fds.OpenFdTargets());
    }

    /// <summary>Runs the server on a reactor and the clients against it for <paramref name="duration"/>; checks the server side.</summary>
    private static Counts Churn(TimeSpan duration)
    {
        var counts = new Counts();
        NetRuntime.Run(async () =>
        {
            using var pool = new IoBufferPool(16 * 1024, 64);
            using var listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var server = new Server(pool);
            using var stop = new CancellationTokenSource();
            Task accepting = server.AcceptLoop(listener, stop.Token);

            IPEndPoint endPoint = listener.LocalEndPoint;
            await Task.Run(() => RunClients(endPoint, duration, counts)); // off the reactor; resumes on it

            // Handlers finish asynchronously after their clients are gone: wait (bounded) for the last ones.
            var sw = Stopwatch.StartNew();
            while (server.Open > 0 && sw.Elapsed < TimeSpan.FromSeconds(5))
                await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(10));
            stop.Cancel();
            await accepting;

            Assert.True(server.Errors.IsEmpty, "unexpected server errors: " + string.Join(", ", server.Errors));
            Assert.Equal(0, server.Open);
            Assert.Equal(0, pool.InUse);
            Assert.True(server.Accepted >= counts.Connections - counts.Errors, $"accepted {server.Accepted} of {counts.Connections}");
            counts.ServerResets = server.PeerResets;
        });
        return counts;
    }

    /// <summary>The sample's server: accept, rent a buffer per connection (allocate if the pool is empty), echo until EOF or error.</summary>
    private sealed class Server(IoBufferPool pool)
    {
        public int Open;
        public int Accepted;
        public int PeerResets;
        public readonly ConcurrentQueue<string> Errors = new();

        public async Task AcceptLoop(UringTcpListener listener, CancellationToken stop)
        {
            while (true)
            {
                UringTcpStream stream;
                try
                {
                    stream = await listener.AcceptAsync(stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                Accepted++;
                Open++;
                _ = Handle(stream);
            }
        }

        private async Task Handle(UringTcpStream stream)
        {
            IoBuffer buf = pool.TryRent(out IoBuffer? rented) ? rented : IoBuffer.Allocate(pool.BufferSize);
            try
            {
                while (true)
                {
                    int n;
                    (n, buf) = await stream.ReadAsync(buf);
                    if (n == 0)
                        break;
                    (_, buf) = await stream.WriteAllAsync(buf);
                }
            }
            catch (UringSocketException e)
            {
                buf = (IoBuffer)e.Buffer!; // ECONNRESET / EPIPE from the resetting clients
                if (e.Errno is SocketErrors.ECONNRESET or SocketErrors.EPIPE)
                    PeerResets++;
                else
                    Errors.Enqueue(e.ErrnoName + " in " + e.Operation);
            }
            catch (Exception e)
            {
                Errors.Enqueue(e.GetType().Name + ": " + e.Message);
                if (ReturnedBuffer.From<IoBuffer>(e) is not { } back)
                {
                    // No buffer on the exception: the kernel may still own it, so it is left to the GC, never disposed.
                    await stream.CloseAsync();
                    Open--;
                    return;
                }
                buf = back;
            }
            buf.Dispose();
            await stream.CloseAsync();
            Open--;
        }
    }

    private sealed class Counts
    {
        public long Connections, Normal, Resets, ResetsMidMessage, HalfCloses, RoundTrips, Errors;
        public int ServerResets;
        public readonly ConcurrentDictionary<string, int> ErrorKinds = new();
    }

    private static void RunClients(IPEndPoint endPoint, TimeSpan duration, Counts counts)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var tasks = Enumerable.Range(0, Clients).Select(i => Task.Run(() => ClientLoop(endPoint, deadline, new Random(42 + i), counts))).ToArray();
        Assert.True(Task.WaitAll(tasks, duration + TimeSpan.FromSeconds(15)), "clients did not finish");
    }

    private static async Task ClientLoop(IPEndPoint endPoint, long deadline, Random rng, Counts c)
    {
        byte[] send = new byte[MaxHalfClose + MaxMessage], recv = new byte[send.Length];
        for (int iteration = 0; iteration < 100_000 && Stopwatch.GetTimestamp() < deadline; iteration++)
        {
            int pick = rng.Next(100);
            string kind = pick < 10 ? "reset" : pick < 25 ? "half-close" : "echo";
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            Interlocked.Increment(ref c.Connections);
            try
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await s.ConnectAsync(endPoint, cts.Token);
                if (kind == "echo")
                {
                    for (int i = rng.Next(1, 6); i > 0; i--)
                    {
                        await RoundTrip(s, send, recv, Size(rng), rng, cts.Token);
                        Interlocked.Increment(ref c.RoundTrips);
                    }
                    s.Close();
                    Interlocked.Increment(ref c.Normal);
                }
                else if (kind == "reset")
                {
                    if (rng.Next(2) == 0)
                        await RoundTrip(s, send, recv, Size(rng), rng, cts.Token);
                    if (rng.Next(2) == 0)
                    {
                        int n = Size(rng);
                        await s.SendAsync(send.AsMemory(0, n), SocketFlags.None, cts.Token); // the RST lands mid-echo
                        Interlocked.Increment(ref c.ResetsMidMessage);
                    }
                    s.LingerState = new LingerOption(true, 0);
                    s.Close();
                    Interlocked.Increment(ref c.Resets);
                }
                else
                {
                    int total = 0;
                    for (int i = rng.Next(1, 4); i > 0 && total < MaxHalfClose; i--)
                    {
                        int n = Math.Min(Size(rng), MaxHalfClose - total);
                        rng.NextBytes(send.AsSpan(total, n));
                        await s.SendAsync(send.AsMemory(total, n), SocketFlags.None, cts.Token);
                        total += n;
                    }
                    s.Shutdown(SocketShutdown.Send);
                    int got = 0, r;
                    while ((r = await s.ReceiveAsync(recv.AsMemory(got), SocketFlags.None, cts.Token)) > 0)
                        got += r;
                    if (got != total || !send.AsSpan(0, total).SequenceEqual(recv.AsSpan(0, total)))
                        throw new InvalidDataException($"half-close: {got} of {total} bytes came back");
                    s.Close();
                    Interlocked.Increment(ref c.HalfCloses);
                }
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref c.Errors);
                string key = kind + ": " + (e is SocketException se ? "SocketException " + se.SocketErrorCode : e.GetType().Name + " " + e.Message);
                c.ErrorKinds.AddOrUpdate(key, 1, (_, v) => v + 1);
            }
        }
    }

    private static int Size(Random rng) => rng.Next(3) switch
    {
        0 => rng.Next(1, 65),
        1 => rng.Next(64, 4097),
        _ => rng.Next(4096, MaxMessage + 1),
    };

    private static async Task RoundTrip(Socket s, byte[] send, byte[] recv, int n, Random rng, CancellationToken ct)
    {
        rng.NextBytes(send.AsSpan(0, n));
        await s.SendAsync(send.AsMemory(0, n), SocketFlags.None, ct);
        int got = 0;
        while (got < n)
        {
            int r = await s.ReceiveAsync(recv.AsMemory(got, n - got), SocketFlags.None, ct);
            if (r == 0)
                throw new InvalidDataException($"EOF after {got} of {n} bytes");
            got += r;
        }
        if (!send.AsSpan(0, n).SequenceEqual(recv.AsSpan(0, n)))
            throw new InvalidDataException($"echo of {n} bytes differs");
    }
}
