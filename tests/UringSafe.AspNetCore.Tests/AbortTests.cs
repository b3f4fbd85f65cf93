using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace UringSafe.AspNetCore.Tests;

/// <summary>An aborted connection ends with RST, as with the sockets transport (issue 19, item 4): a client then sees a
/// reset, not an empty reply it might take for a graceful close.</summary>
public class AbortTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static TheoryData<bool> Transports => new() { true, false }; // io_uring, the sockets transport (the reference)

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task HttpContext_Abort_resets_the_connection(bool uring)
    {
        await using TestServer server = await TestServer.StartAsync(o => o.ForceUnavailableForTesting = !uring, endpoints: app =>
            app.MapGet("/abort", (HttpContext context) => context.Abort()));
        Assert.Equal(uring, server.Factory.UsesIoUring);
        using Socket socket = await ConnectAndAskAsync(server, "/abort");
        Assert.Equal(SocketError.ConnectionReset, await ReadToEndAsync(socket));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Requests_cut_at_the_shutdown_timeout_are_reset(bool uring)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestServer server = await TestServer.StartAsync(o => o.ForceUnavailableForTesting = !uring,
            services: s => s.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromMilliseconds(300)),
            endpoints: app => app.MapGet("/slow", async () =>
            {
                started.TrySetResult();
                await release.Task;
                return "late";
            }));
        try
        {
            using Socket socket = await ConnectAndAskAsync(server, "/slow");
            Assert.True(await Task.WhenAny(started.Task, Task.Delay(Limit)) == started.Task, "Watchdog: the slow request never started.");
            Task stopping = server.App.StopAsync();
            Assert.Equal(SocketError.ConnectionReset, await ReadToEndAsync(socket));
            await stopping;
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_connection_aborted_while_its_send_waits_for_room_is_reset(bool uring)
    {
        await using TestServer server = await TestServer.StartAsync(o => o.ForceUnavailableForTesting = !uring,
            services: s => s.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromMilliseconds(300)));
        // 64 MB to a client that reads nothing: the socket buffers fill and the server's send waits for room.
        using Socket socket = await ConnectAndAskAsync(server, "/big/64000000", receiveBuffer: 4096);
        // Until the ring sends stop moving: the last one waits for room that never comes.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        for (long last = -1, now; (now = uring ? server.Factory.Transport!.Sends : 1) == 0 || now != last; last = now)
        {
            Assert.True(waited.Elapsed < Limit, "Watchdog: the server's sends never came to a stop.");
            await Task.Delay(300);
        }
        Task stopping = server.App.StopAsync();
        Assert.True(await Task.WhenAny(stopping, Task.Delay(Limit)) == stopping,
            $"Watchdog: the server did not stop within {Limit.TotalSeconds} s (the aborted connection's send still waits).");
        Assert.Equal(SocketError.ConnectionReset, await ReadToEndAsync(socket));
    }

    private static async Task<Socket> ConnectAndAskAsync(TestServer server, string path, int receiveBuffer = 0)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer > 0)
            socket.ReceiveBufferSize = receiveBuffer; // before connecting: a small, fixed window
        await socket.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n"));
        return socket;
    }

    /// <summary>Reads until the server ends the connection: Success for a FIN, ConnectionReset for an RST.</summary>
    private static async Task<SocketError> ReadToEndAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(Limit);
        byte[] buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, timeout.Token) > 0)
            {
            }
            return SocketError.Success;
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Watchdog: the server did not end the connection within {Limit.TotalSeconds} s.");
            throw;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }
}
