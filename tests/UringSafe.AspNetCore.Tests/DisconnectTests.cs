using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace UringSafe.AspNetCore.Tests;

/// <summary>Clients that go away mid-response are routine, not errors (issue 19, item 2): the sockets transport logs them
/// at Debug, and so must this one.</summary>
public class DisconnectTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(true)]  // RST (SO_LINGER 0): the server's sends fail with ECONNRESET, then EPIPE
    [InlineData(false)] // FIN: the server's sends fail with EPIPE or ECONNRESET once the peer's stack answers with RST
    public async Task Clients_that_go_away_mid_response_log_no_errors(bool reset)
    {
        const int Clients = 8;
        var logs = new CapturingLoggerProvider();
        await using (TestServer server = await TestServer.StartAsync(logs: logs))
        {
            await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => DownloadAndLeaveAsync(server, reset)));
            // Each connection's end is logged (Debug, "closed") once the server noticed the client left.
            Task closed = WaitForAsync(() => logs.Entries.Count(e => e.Category == Log.Category && e.Message.EndsWith(" closed", StringComparison.Ordinal)) >= Clients);
            Assert.True(await Task.WhenAny(closed, Task.Delay(Limit)) == closed,
                $"Watchdog: the server did not close all {Clients} abandoned connections within {Limit.TotalSeconds} s.");
        }
        var loud = logs.Entries.Where(e => e.Level >= LogLevel.Error || (e.Category == Log.Category && e.Level >= LogLevel.Warning)).ToList();
        Assert.True(loud.Count == 0, $"{loud.Count} entries for clients that left mid-response, e.g.:\n" +
            string.Join("\n", loud.Take(3).Select(e => $"{e.Level} {e.Category}: {e.Message}")));
    }

    /// <summary>Asks for 16 MB (more than the socket buffers hold), reads the first 64 KiB and leaves (RST or FIN).</summary>
    private static async Task DownloadAndLeaveAsync(TestServer server, bool reset)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /big/16000000 HTTP/1.1\r\nHost: test\r\n\r\n"));
        byte[] buffer = new byte[16 * 1024];
        using var timeout = new CancellationTokenSource(Limit);
        for (int read = 0; read < 64 * 1024;)
        {
            int n = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.True(n > 0, "the server closed the download early");
            read += n;
        }
        if (reset)
            socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        while (!condition())
            await Task.Delay(20);
    }
}
