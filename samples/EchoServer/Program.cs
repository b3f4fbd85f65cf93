// The tokio-uring echo server, in C#: thread per core, one SO_REUSEPORT listener per reactor, lend-and-return I/O.
//
//   dotnet run --project samples/EchoServer -- [address] [port] [--quiet] [--reactors N]
//
// Defaults: 127.0.0.1 8080, one reactor per CPU. --quiet drops the per-connection log line (for benchmarking).
using System.Net;
using System.Runtime.InteropServices;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Net;

var positional = new List<string>();
bool quiet = false;
int reactors = 0;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quiet" or "-q":
            quiet = true;
            break;
        case "--reactors" when i + 1 < args.Length:
            reactors = int.Parse(args[++i]);
            break;
        case "--help" or "-h":
            Console.WriteLine("usage: EchoServer [address] [port] [--quiet] [--reactors N]   (default 127.0.0.1 8080)");
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
Task servers = executor.SpawnOnEach(core => EchoServer.Serve(endPoint, core, quiet, started, stop.Token));
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
    /// <summary>One reactor's accept loop: <c>loop { let (stream, addr) = listener.accept().await?; spawn(handle_client(stream)); }</c></summary>
    public static async Task Serve(IPEndPoint endPoint, int core, bool quiet, CountdownEvent started, CancellationToken stop)
    {
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
            stream.NoDelay = true; // an echo is latency-bound: don't let Nagle wait for the peer's delayed ACK
            _ = HandleClient(stream);
        }
    }

    /// <summary>
    /// <c>let mut buf = vec![0u8; 1024]; loop { let (result, b) = stream.read(buf).await; buf = b; ... }</c>:
    /// one buffer per connection, lent to each read and write and taken back each time: nothing is allocated per message.
    /// The seed reads 1 KiB at a time; 16 KiB lets a 4 KiB message come back in one read and one write.
    /// </summary>
    private static async Task HandleClient(UringTcpStream stream)
    {
        IoBuffer buf = IoBuffer.Allocate(16 * 1024);
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
        buf.Dispose();
        await stream.CloseAsync();
    }
}
