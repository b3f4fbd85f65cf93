// The tokio-uring echo server, in C#: thread per core, one SO_REUSEPORT listener per reactor.
//
//   dotnet run --project samples/EchoServer -- [address] [port] [--quiet] [--reactors N] [--no-pin] [--stats] [--lend]
//
// Defaults: 127.0.0.1 8080, one reactor per CPU, each pinned to its CPU. --quiet drops the per-connection log line (for
// benchmarking). --no-pin leaves the reactors' threads to the scheduler (for latency on a shared machine: a pinned
// reactor waits whenever something else runs on its CPU).
//
// By default each connection receives with one multishot recv over the reactor's provided-buffer ring
// (ProvidedBufferPool: 16 KiB buffers, 1,024 to start, growing to 8,192 when the ring runs dry) and echoes each
// received buffer straight from the ring with WriteAllAsync(lease) before handing it back: an idle connection holds
// no buffer at all, so tens of thousands of connections cost little memory. --lend uses the seed's form instead: one
// 16 KiB IoBuffer per connection, lent to each read and write and taken back (from the reactor's IoBufferPool, or
// allocated and counted when the pool is empty).
//
// --stats: on SIGUSR1 (`kill -USR1 PID`) the server prints one line
// `stats fds=N buffers_in_use=M connections=K fallback_allocs=F` to stdout (fds: entries of /proc/self/fd;
// buffers_in_use: buffers held by connections, read on each reactor; connections: accepted and not yet closed;
// fallback_allocs: --lend buffers allocated because a pool was empty). The soak test (bench: `soak`) reads that line.
//
// Shutdown (Ctrl+C, SIGTERM): each reactor stops accepting, closes its open connections (which cancels their pending
// operations, so every lent buffer comes back), waits for their handlers to finish, then frees its buffers.
using System.Net;
using System.Runtime.InteropServices;
using UringSafe;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Net;

var positional = new List<string>();
bool quiet = false;
bool stats = false;
bool lend = false;
bool pin = true;
int reactors = 0;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quiet" or "-q":
            quiet = true;
            break;
        case "--stats":
            stats = true;
            break;
        case "--lend":
            lend = true;
            break;
        case "--no-pin":
            pin = false;
            break;
        case "--reactors" when i + 1 < args.Length:
            reactors = int.Parse(args[++i]);
            break;
        case "--help" or "-h":
            Console.WriteLine("usage: EchoServer [address] [port] [--quiet] [--reactors N] [--no-pin] [--stats] [--lend]   (default 127.0.0.1 8080; --no-pin: threads not pinned to CPUs; --stats: print a stats line on SIGUSR1; --lend: one lent buffer per connection)");
            return 0;
        default:
            positional.Add(args[i]);
            break;
    }
}
// Open the console writers now: when the process runs out of fds (EMFILE), they could not be opened to report it.
Console.Out.Flush();
Console.Error.Flush();
IPAddress address = positional.Count > 0 ? IPAddress.Parse(positional[0]) : IPAddress.Loopback;
int port = positional.Count > 1 ? int.Parse(positional[1]) : 8080;
var endPoint = new IPEndPoint(address, port);

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    stop.Cancel();
});

using var executor = new UringExecutor(reactors, pinToCores: pin); // thread per core, as measured in docs/benchmarks.md
using var started = new CountdownEvent(executor.Count);
var pools = new EchoServer.Buffers?[executor.Count];
// SIGUSR1 is not one of PosixSignal's named values, but on Unix a raw signal number cast to PosixSignal is accepted.
using PosixSignalRegistration? usr1 = stats
    ? PosixSignalRegistration.Create((PosixSignal)EchoServer.SigUsr1, ctx =>
    {
        ctx.Cancel = true;
        EchoServer.PrintStats(executor, pools);
    })
    : null;
Task servers = executor.SpawnOnEach(core => EchoServer.Serve(endPoint, core, quiet, lend, pools, started, stop.Token));
if (started.Wait(TimeSpan.FromSeconds(10)) && !servers.IsFaulted)
    Console.WriteLine($"Server started, listening on port {port}");
try
{
    servers.Wait();
}
catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException or ObjectDisposedException))
{
}
return 0;

internal static class EchoServer
{
    public const int SigUsr1 = 10; // Linux
    private const int BufferSize = 16 * 1024, BuffersPerReactor = 1024, MaxProvidedBuffers = 8192;

    private static int s_connections, s_fallbackLive, s_fallbackAllocs;

    /// <summary>One reactor's buffers: the provided-buffer ring (multishot mode) or the lend pool (--lend).</summary>
    public sealed class Buffers(ProvidedBufferPool? provided, IoBufferPool? lent)
    {
        public ProvidedBufferPool? Provided { get; } = provided;

        public IoBufferPool? Lent { get; } = lent;

        /// <summary>Buffers held by connections now (read on the reactor's thread).</summary>
        public int InUse => (Provided?.Leased ?? 0) + (Lent?.InUse ?? 0);

        public void Dispose()
        {
            Provided?.Dispose();
            Lent?.Dispose();
        }
    }

    /// <summary>One reactor's accept loop: <c>loop { let (stream, addr) = listener.accept().await?; spawn(handle_client(stream)); }</c></summary>
    public static async Task Serve(IPEndPoint endPoint, int core, bool quiet, bool lend, Buffers?[] pools, CountdownEvent started, CancellationToken stop)
    {
        // This reactor's buffers. The lend pool is not registered with the ring: recv/send have no fixed-buffer form,
        // and registering would pin 16 MiB against RLIMIT_MEMLOCK.
        var buffers = lend
            ? new Buffers(null, new IoBufferPool(BufferSize, BuffersPerReactor))
            : new Buffers(new ProvidedBufferPool(BufferSize, BuffersPerReactor, MaxProvidedBuffers), null);
        pools[core] = buffers;
        var connections = new Connections();
        using var listener = UringTcpListener.Bind(endPoint, new UringListenerOptions { ReusePort = true });
        // Accept errors (EMFILE, ENFILE...) back off and are retried; report each episode once, not every retry.
        bool inEpisode = false;
        listener.AcceptError += (error, backoff) =>
        {
            if (!inEpisode)
                Console.Error.WriteLine($"[core {core}] accept failed ({error.ErrnoName}); backing off (first {backoff.TotalMilliseconds} ms) and serving existing connections");
            inEpisode = true;
        };
        started.Signal();
        while (!stop.IsCancellationRequested)
        {
            UringTcpStream stream;
            try
            {
                stream = await listener.AcceptAsync(stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            inEpisode = false;
            if (!quiet)
                Console.WriteLine($"New connection from: {stream.RemoteEndPoint}");
            try
            {
                stream.NoDelay = true; // an echo is latency-bound: don't let Nagle wait for the peer's delayed ACK
            }
            catch (UringSocketException)
            {
                // the peer is already gone; the first read reports it
            }
            // spawn(handle_client(stream)): started here, it runs on this reactor up to its first await (its receive is
            // armed before the next accept is taken); Serve closes the connection when the handler ends, however it ends.
            _ = connections.Serve(stream, buffers.Provided is { } provided
                ? s => HandleClient(s, provided)
                : s => HandleClient(s, buffers.Lent!));
        }
        // Closing a connection cancels its pending operations; its handler then ends and hands its buffer back.
        await connections.CloseAllAsync();
        buffers.Dispose();
    }

    /// <summary>
    /// Multishot receive: the kernel picks a buffer from the ring only when data arrives; the lease is echoed straight
    /// from the ring (lent to the send and taken back) and handed back. Nothing is allocated per message.
    /// </summary>
    private static async Task HandleClient(UringTcpStream stream, ProvidedBufferPool pool)
    {
        try
        {
            while (true)
            {
                ReceivedBuffer lease = await stream.ReceiveAsync(pool);
                if (lease.IsEndOfStream)
                    break; // Ok(0): the peer closed
                try
                {
                    (_, lease) = await stream.WriteAllAsync(lease);
                }
                catch (Exception e) when (e is IReturnsBuffer { Buffer: ReceivedBuffer back })
                {
                    back.Return(); // the send failed after its final completion: the lease came back on the exception
                    throw;
                }
                lease.Return();
            }
        }
        catch (Exception e) when (e is UringSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Err(_): reset by the peer, or the connection was closed at shutdown
        }
    }

    /// <summary>
    /// <c>let mut buf = vec![0u8; 1024]; loop { let (result, b) = stream.read(buf).await; buf = b; ... }</c>:
    /// one buffer per connection, lent to each read and write and taken back each time: nothing is allocated per message.
    /// The seed reads 1 KiB at a time; 16 KiB lets a 4 KiB message come back in one read and one write. The buffer
    /// is rented from the reactor's pool (or, when it is empty, allocated and counted) and goes back when the connection ends.
    /// </summary>
    private static async Task HandleClient(UringTcpStream stream, IoBufferPool pool)
    {
        bool pooled = pool.TryRent(out IoBuffer? rented);
        IoBuffer buf = rented ?? Fallback();
        try
        {
            while (true)
            {
                int n;
                (n, buf) = await stream.ReadAsync(buf);
                if (n == 0)
                    break; // Ok(0): the peer closed
                (_, buf) = await stream.WriteAllAsync(buf); // buf.Length == n: echo exactly what was read
            }
        }
        catch (Exception e) when (ReturnedBuffer.From<IoBuffer>(e) is { } back)
        {
            buf = back; // Err(_): reset by the peer, or closed at shutdown; the buffer came back on the exception
        }
        buf.Dispose(); // a pooled buffer goes back to its pool
        if (!pooled)
            Interlocked.Decrement(ref s_fallbackLive);
    }

    /// <summary>
    /// One reactor's open connections, touched only on its thread. Each runs its handler and is closed after it; at
    /// shutdown, closing the rest cancels their pending operations, so their handlers end and hand their buffers back.
    /// </summary>
    private sealed class Connections
    {
        private readonly HashSet<UringTcpStream> _open = [];
        private TaskCompletionSource? _drained;

        public async Task Serve(UringTcpStream stream, Func<UringTcpStream, Task> handler)
        {
            _open.Add(stream);
            Interlocked.Increment(ref s_connections);
            try
            {
                await handler(stream);
            }
            finally
            {
                await stream.CloseAsync();
                _open.Remove(stream);
                Interlocked.Decrement(ref s_connections);
                if (_open.Count == 0)
                    _drained?.TrySetResult();
            }
        }

        /// <summary>Closes every open connection and waits until their handlers have finished.</summary>
        public async Task CloseAllAsync()
        {
            if (_open.Count == 0)
                return;
            _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (UringTcpStream stream in _open.ToArray())
                await stream.CloseAsync();
            await _drained.Task;
        }
    }

    private static IoBuffer Fallback()
    {
        Interlocked.Increment(ref s_fallbackAllocs);
        Interlocked.Increment(ref s_fallbackLive);
        return IoBuffer.Allocate(BufferSize);
    }

    /// <summary>Prints <c>stats fds=N buffers_in_use=M connections=K fallback_allocs=F</c> (called on SIGUSR1). Each pool
    /// is single-threaded, so its InUse is read on its own reactor.</summary>
    public static void PrintStats(UringExecutor executor, Buffers?[] pools)
    {
        int inUse = Volatile.Read(ref s_fallbackLive);
        bool answered = true;
        for (int i = 0; i < pools.Length; i++)
        {
            int core = i;
            Task<int> read = executor.Spawn(core, () => Task.FromResult(pools[core] is { } p ? p.InUse : 0));
            if (read.Wait(TimeSpan.FromSeconds(5)))
                inUse += read.Result;
            else
                answered = false; // a stuck reactor: say so rather than print a wrong count
        }
        int fds = Directory.GetFiles("/proc/self/fd").Length;
        string buffers = answered ? inUse.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown";
        Console.WriteLine($"stats fds={fds} buffers_in_use={buffers} connections={Volatile.Read(ref s_connections)} fallback_allocs={Volatile.Read(ref s_fallbackAllocs)}");
    }
}
