// The tokio-uring echo server, in C#: thread per core, one SO_REUSEPORT listener per reactor, lend-and-return I/O.
//
//   dotnet run --project samples/EchoServer -- [address] [port] [--quiet] [--reactors N] [--stats]
//
// Defaults: 127.0.0.1 8080, one reactor per CPU. --quiet drops the per-connection log line (for benchmarking).
// Each reactor rents its connections' buffers from its own IoBufferPool (16 KiB x 1024); when that pool is empty a
// connection falls back to IoBuffer.Allocate (counted). --stats: on SIGUSR1 (`kill -USR1 PID`) the server prints one
// line `stats fds=N buffers_in_use=M connections=K fallback_allocs=F rejected=R` to stdout (fds: entries of
// /proc/self/fd; buffers_in_use: pooled buffers rented, read on each reactor, plus fallback buffers alive; connections:
// accepted and not yet closed; fallback_allocs: buffers allocated because a pool was empty; rejected: connections
// closed at once because their reactor already had MaxInFlight - 64 open; both since start). The soak test (bench:
// `soak`) reads that line.
using System.Net;
using System.Runtime.InteropServices;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Net;

var positional = new List<string>();
bool quiet = false;
bool stats = false;
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
        case "--reactors" when i + 1 < args.Length:
            reactors = int.Parse(args[++i]);
            break;
        case "--help" or "-h":
            Console.WriteLine("usage: EchoServer [address] [port] [--quiet] [--reactors N] [--stats]   (default 127.0.0.1 8080; --stats: print a stats line on SIGUSR1)");
            return 0;
        default:
            positional.Add(args[i]);
            break;
    }
}
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

using var executor = new UringExecutor(reactors);
using var started = new CountdownEvent(executor.Count);
var pools = new IoBufferPool?[executor.Count];
// SIGUSR1 is not one of PosixSignal's named values, but on Unix a raw signal number cast to PosixSignal is accepted.
using PosixSignalRegistration? usr1 = stats
    ? PosixSignalRegistration.Create((PosixSignal)EchoServer.SigUsr1, ctx =>
    {
        ctx.Cancel = true;
        EchoServer.PrintStats(executor, pools);
    })
    : null;
Task servers = executor.SpawnOnEach(core => EchoServer.Serve(endPoint, core, quiet, pools, started, stop.Token));
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
    private const int BufferSize = 16 * 1024, BuffersPerReactor = 1024;

    // A reactor has no cap on operations in flight by default (its slot table grows): a connection is turned away only
    // if a cap was configured and would be reached.
    private static readonly int MaxConnectionsPerReactor = new ReactorOptions().MaxInFlight is > 0 and var max ? max - 64 : int.MaxValue;

    private static int s_connections, s_fallbackLive, s_fallbackAllocs, s_rejected;

    /// <summary>One reactor's accept loop: <c>loop { let (stream, addr) = listener.accept().await?; spawn(handle_client(stream)); }</c></summary>
    public static async Task Serve(IPEndPoint endPoint, int core, bool quiet, IoBufferPool?[] pools, CountdownEvent started, CancellationToken stop)
    {
        // This reactor's buffers: one slab, rented per connection and returned when it ends. Not registered with the
        // ring: recv/send have no fixed-buffer form, and registering would pin 16 MiB against RLIMIT_MEMLOCK.
        var pool = new IoBufferPool(BufferSize, BuffersPerReactor);
        pools[core] = pool;
        var active = new Counter();
        using var listener = UringTcpListener.Bind(endPoint, new UringListenerOptions { ReusePort = true });
        listener.AcceptError += (error, backoff) => Console.Error.WriteLine($"[core {core}] accept failed ({error.ErrnoName}); retrying in {backoff.TotalMilliseconds} ms");
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
            if (!quiet)
                Console.WriteLine($"New connection from: {stream.RemoteEndPoint}");
            if (active.Value >= MaxConnectionsPerReactor)
            {
                // Every open connection keeps one operation in flight; with a configured ReactorOptions.MaxInFlight,
                // reads past it would be refused. Turn the connection away instead.
                stream.Dispose();
                Interlocked.Increment(ref s_rejected);
                continue;
            }
            active.Value++;
            Interlocked.Increment(ref s_connections);
            try
            {
                stream.NoDelay = true; // an echo is latency-bound: don't let Nagle wait for the peer's delayed ACK
            }
            catch (UringSocketException)
            {
                // the peer is already gone; the first read reports it
            }
            _ = HandleClient(stream, pool, active);
        }
        if (pool.InUse == 0)
            pool.Dispose(); // else connections still hold buffers: the process is ending and takes the slab with it
    }

    /// <summary>
    /// <c>let mut buf = vec![0u8; 1024]; loop { let (result, b) = stream.read(buf).await; buf = b; ... }</c>:
    /// one buffer per connection, lent to each read and write and taken back each time: nothing is allocated per message.
    /// The seed reads 1 KiB at a time; 16 KiB lets a 4 KiB message come back in one read and one write. The buffer
    /// is rented from the reactor's pool (or, when it is empty, allocated and counted) and goes back when the connection ends.
    /// </summary>
    private static async Task HandleClient(UringTcpStream stream, IoBufferPool pool, Counter active)
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
        catch (UringSocketException e)
        {
            buf = (IoBuffer)e.Buffer!; // Err(_): reset by the peer and the like; the buffer came back on the exception
        }
        catch (UringSafe.UringOperationCanceledException e)
        {
            buf = (IoBuffer)e.Buffer!; // the server is shutting down
        }
        buf.Dispose(); // a pooled buffer goes back to its pool
        if (!pooled)
            Interlocked.Decrement(ref s_fallbackLive);
        await stream.CloseAsync();
        active.Value--;
        Interlocked.Decrement(ref s_connections);
    }

    /// <summary>Open connections of one reactor, touched only on its thread.</summary>
    private sealed class Counter
    {
        public int Value;
    }

    private static IoBuffer Fallback()
    {
        Interlocked.Increment(ref s_fallbackAllocs);
        Interlocked.Increment(ref s_fallbackLive);
        return IoBuffer.Allocate(BufferSize);
    }

    /// <summary>Prints <c>stats fds=N buffers_in_use=M connections=K fallback_allocs=F rejected=R</c> (called on SIGUSR1). Each pool
    /// is single-threaded, so its InUse is read on its own reactor.</summary>
    public static void PrintStats(UringExecutor executor, IoBufferPool?[] pools)
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
        Console.WriteLine($"stats fds={fds} buffers_in_use={buffers} connections={Volatile.Read(ref s_connections)} fallback_allocs={Volatile.Read(ref s_fallbackAllocs)} rejected={Volatile.Read(ref s_rejected)}");
    }
}
