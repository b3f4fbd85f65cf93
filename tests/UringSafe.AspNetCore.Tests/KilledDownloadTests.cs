using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using UringSafe.Tests.Support;
using Xunit.Abstractions;

namespace UringSafe.AspNetCore.Tests;

/// <summary>Tests that count the process's sockets, or saturate its thread pool: alone, not beside other tests.</summary>
[CollectionDefinition(nameof(KilledDownloadCollection), DisableParallelization = true)]
public sealed class KilledDownloadCollection
{
}

/// <summary>
/// Large downloads whose clients go away mid-body while other clients keep the server busy (issue 19,
/// tests/Integration/realclients.sh's killed downloads): the server must close every one of their sockets promptly,
/// as the sockets transport does, not leave them in CLOSE-WAIT with their fds held.
/// </summary>
[Collection(nameof(KilledDownloadCollection))]
public class KilledDownloadTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60); // watchdog for the clients, generous for a busy machine
    private static readonly TimeSpan CloseBar = TimeSpan.FromSeconds(10); // the sockets transport: well under a second

    public static TheoryData<bool, string> Cases => new()
    {
        { true, "fin" }, { true, "reset" }, { true, "close" },
        { false, "fin" }, { false, "reset" }, { false, "close" }, // the sockets transport, the reference
    };

    /// <summary>
    /// 24 downloads of 2 GB (written in 16 KiB pieces, as realclients.sh's /big) with 8 keep-alive clients running
    /// beside them; each download reads 256 KiB and leaves: "fin" half-closes (the FIN of a client that exited with
    /// nothing unread) and keeps reading, so the server's socket stays in CLOSE-WAIT until the server itself closes;
    /// "reset" closes with SO_LINGER 0; "close" closes with whatever is unread. Then no server socket may be left in
    /// CLOSE-WAIT (or established, for those downloads), and the process's sockets return to the count before.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Downloads_killed_mid_body_under_load_are_closed(bool uring, string leave)
    {
        const int Downloads = 24, Background = 8;
        await using TestServer server = await TestServer.StartAsync(o => o.ForceUnavailableForTesting = !uring, endpoints: app =>
            app.MapGet("/download/{size:long}", (HttpContext context, long size) => WritePatternAsync(context, size)));
        Assert.Equal(uring, server.Factory.UsesIoUring);
        int port = server.BaseAddress.Port;
        int socketsBefore = SocketFds();

        using var stopLoad = new CancellationTokenSource();
        using HttpClient client = server.CreateClient();
        Task[] load = Enumerable.Range(0, Background).Select(_ => KeepAliveLoadAsync(client, stopLoad.Token)).ToArray();
        try
        {
            Task downloads = Task.WhenAll(Enumerable.Range(0, Downloads).Select(_ => DownloadAndLeaveAsync(port, leave)));
            Assert.True(await Task.WhenAny(downloads, Task.Delay(Limit)) == downloads,
                $"Watchdog: {Downloads} downloads did not get 256 KiB each within {Limit.TotalSeconds} s.");
            await downloads;

            // The load goes on while the server is expected to notice.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            DateTime deadline = DateTime.UtcNow + CloseBar;
            (int closeWait, int established) left;
            while ((left = ServerSockets(port)).closeWait + Math.Max(0, left.established - Background) > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            output.WriteLine($"{(uring ? "UringSafe" : "sockets")}, {leave}: the downloads' server sockets closed in {clock.ElapsedMilliseconds} ms (left: {left.closeWait} in CLOSE-WAIT)");
            Assert.True(left.closeWait == 0 && left.established <= Background,
                $"{left.closeWait} server socket(s) still in CLOSE-WAIT and {left.established - Background} download(s) still established " +
                $"{CloseBar.TotalSeconds} s after {Downloads} downloads left mid-body ({leave}); " +
                $"the sockets transport closes them at once.");
        }
        finally
        {
            stopLoad.Cancel();
            await Task.WhenAny(Task.WhenAll(load), Task.Delay(Limit));
        }
        Assert.All(load, t => Assert.True(t.IsCompletedSuccessfully, $"a keep-alive client failed: {t.Exception?.InnerException}"));
        client.Dispose();

        // Every socket of those connections is closed (the keep-alive clients' too, now that they are gone).
        int socketsAfter = SocketFds();
        for (DateTime deadline = DateTime.UtcNow + CloseBar; socketsAfter > socketsBefore && DateTime.UtcNow < deadline; socketsAfter = SocketFds())
            await Task.Delay(50);
        Assert.True(socketsAfter <= socketsBefore, $"{socketsAfter - socketsBefore} socket fd(s) still open {CloseBar.TotalSeconds} s after the clients left ({socketsBefore} before, {socketsAfter} after).");
    }

    /// <summary>
    /// The deterministic core of the above: a client half-closes its download while every thread-pool thread is blocked
    /// and more work waits in the pool's queue (what CPU-bound handlers did in the realclients.sh run). The server must
    /// still close the socket: the transport raises ConnectionClosed, and with it Kestrel's abort, without waiting for the
    /// pool. (The sockets transport raises it through the pool's queue, so this one is UringSafe's alone.)
    /// </summary>
    [Fact]
    public async Task A_client_that_left_is_closed_while_the_thread_pool_is_saturated()
    {
        await using TestServer server = await TestServer.StartAsync(endpoints: app =>
            app.MapGet("/download/{size:long}", (HttpContext context, long size) => WritePatternAsync(context, size)));
        int port = server.BaseAddress.Port;
        using Socket socket = await StartDownloadAsync(port);
        Assert.Equal((0, 1), ServerSockets(port));

        // From here on the test thread only blocks and polls: its own continuations would wait in the pool's queue too.
        // Not disposed: the blocking work items still queued when the test ends call Wait on it later (a disposed one
        // throws on the pool, which takes the test host down).
        var gate = new ManualResetEventSlim();
        int blockers = ThreadPool.ThreadCount + 256; // more than the pool injects (about 2 a second) before the bar
        for (int i = 0; i < blockers; i++)
            ThreadPool.UnsafeQueueUserWorkItem(static g => g.Wait(TimeSpan.FromSeconds(30)), gate, preferLocal: false);
        (int CloseWait, int Established) left;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            socket.Shutdown(SocketShutdown.Send); // the FIN of a client that exited with nothing unread
            while ((left = ServerSockets(port)) != (0, 0) && clock.Elapsed < TimeSpan.FromSeconds(5))
                Thread.Sleep(20);
        }
        finally
        {
            gate.Set();
        }
        output.WriteLine($"closed in {clock.ElapsedMilliseconds} ms with {blockers} blocking work items queued");
        Assert.True(left == (0, 0), $"The server's socket is still {(left.CloseWait > 0 ? "in CLOSE-WAIT" : "established")} " +
            $"{clock.Elapsed.TotalSeconds:0.#} s after its client half-closed, while the thread pool was saturated: " +
            "ConnectionClosed (and Kestrel's abort) waited for the pool.");
    }

    /// <summary>
    /// One connection's ConnectionClosed callback that blocks (an application's, registered by connection middleware)
    /// must not hold up the others' notices: a client that leaves meanwhile is still closed promptly (the notices of a
    /// blocked notifier go to the thread pool, as the sockets transport raises them all).
    /// </summary>
    [Fact]
    public async Task A_blocking_connection_closed_callback_does_not_hold_up_other_connections()
    {
        using var entered = new ManualResetEventSlim();
        var gate = new ManualResetEventSlim(); // not disposed: the blocked callback may still be waiting on it when the test ends
        int first = 0;
        await using TestServer server = await TestServer.StartAsync(
            kestrel: k => k.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Use(next => context =>
            {
                if (Interlocked.Exchange(ref first, 1) == 0)
                {
                    context.ConnectionClosed.Register(() =>
                    {
                        entered.Set();
                        gate.Wait(TimeSpan.FromSeconds(20)); // the application's callback, blocking
                    });
                }
                return next(context);
            })),
            endpoints: app => app.MapGet("/download/{size:long}", (HttpContext context, long size) => WritePatternAsync(context, size)));
        int port = server.BaseAddress.Port;
        try
        {
            // The first connection leaves; its callback blocks the thread that raised it.
            using (var blocker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                await blocker.ConnectAsync("127.0.0.1", port);
                await blocker.SendAsync(Encoding.ASCII.GetBytes("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n"));
                byte[] reply = new byte[4096];
                using var timeout = new CancellationTokenSource(Limit);
                Assert.True(await blocker.ReceiveAsync(reply, timeout.Token) > 0);
            }
            Assert.True(entered.Wait(Limit), $"Watchdog: the first connection's ConnectionClosed was not raised within {Limit.TotalSeconds} s.");

            // A second client half-closes its download: the server must close that socket while the callback blocks.
            using Socket socket = await StartDownloadAsync(port);
            socket.Shutdown(SocketShutdown.Send);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            (int CloseWait, int Established) left;
            while ((left = ServerSockets(port)) != (0, 0) && clock.Elapsed < CloseBar)
                await Task.Delay(20);
            output.WriteLine($"closed in {clock.ElapsedMilliseconds} ms while another connection's callback blocked");
            Assert.True(left == (0, 0), $"The server's socket is still {(left.CloseWait > 0 ? "in CLOSE-WAIT" : "established")} " +
                $"{clock.Elapsed.TotalSeconds:0.#} s after its client half-closed, while another connection's ConnectionClosed callback " +
                "blocked: its notice waited behind that callback.");
        }
        finally
        {
            gate.Set();
        }
    }

    /// <summary>A client that asked for a 2 GB download and has read the first 256 KiB of it.</summary>
    private static async Task<Socket> StartDownloadAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync("127.0.0.1", port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /download/2000000000 HTTP/1.1\r\nHost: test\r\n\r\n"));
            byte[] buffer = new byte[64 * 1024];
            using var timeout = new CancellationTokenSource(Limit);
            for (int read = 0; read < 256 * 1024;)
            {
                int n = await socket.ReceiveAsync(buffer, timeout.Token);
                Assert.True(n > 0, "the server closed the download early");
                read += n;
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // The same 16 KiB over and over: the clients never look at the bytes, and computing a pattern for 24 downloads
    // that run until Kestrel aborts them cost the CPU that a CI run (two test hosts on two cores) did not have.
    private static readonly byte[] s_piece = Enumerable.Range(0, 16 * 1024).Select(i => TestServer.Pattern(i)).ToArray();

    private static async Task WritePatternAsync(HttpContext context, long size)
    {
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = size;
        for (long sent = 0; sent < size;)
        {
            int n = (int)Math.Min(s_piece.Length, size - sent);
            await context.Response.Body.WriteAsync(s_piece.AsMemory(0, n), context.RequestAborted);
            sent += n;
        }
    }

    private static async Task KeepAliveLoadAsync(HttpClient client, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
                Assert.Equal("Hello, World!", await client.GetStringAsync("/hello", stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (TaskCanceledException e) when (!stop.IsCancellationRequested)
        {
            throw new TimeoutException($"a keep-alive GET /hello got no answer within the client's {client.Timeout.TotalSeconds} s", e);
        }
    }

    private static async Task DownloadAndLeaveAsync(int port, string leave)
    {
        Socket socket = await StartDownloadAsync(port);
        try
        {
            switch (leave)
            {
                case "fin":
                    socket.Shutdown(SocketShutdown.Send);
                    // Keep reading, in the background, until the server closes: what lingers is the server's doing.
                    _ = DrainThenCloseAsync(socket);
                    socket = null!;
                    break;
                case "reset":
                    socket.LingerState = new LingerOption(true, 0);
                    break;
            }
        }
        finally
        {
            socket?.Dispose();
        }
    }

    private static async Task DrainThenCloseAsync(Socket socket)
    {
        using (socket)
        {
            byte[] buffer = new byte[64 * 1024];
            using var timeout = new CancellationTokenSource(Limit);
            try
            {
                while (await socket.ReceiveAsync(buffer, timeout.Token) > 0)
                {
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // reset by the server (an abort), or the watchdog: either way, close
            }
        }
    }

    /// <summary>The server's sockets on <paramref name="port"/> in CLOSE-WAIT and ESTABLISHED, from /proc/net/tcp.</summary>
    private static (int CloseWait, int Established) ServerSockets(int port)
    {
        var mine = FdCensus.KernelSockets("tcp").Where(s => s.LocalPort == port).ToList();
        return (mine.Count(s => s.State == "08"), mine.Count(s => s.State == "01"));
    }

    private static int SocketFds() => FdCensus.Targets().GetValueOrDefault("socket");
}
