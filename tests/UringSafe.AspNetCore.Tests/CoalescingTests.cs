using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using UringSafe.Async;

namespace UringSafe.AspNetCore.Tests;

/// <summary>The send path coalesces flushes (issue 19 item 3): what the application flushes before the connection's
/// reactor runs its send loop leaves in one sendmsg, not one send per flush.</summary>
public class CoalescingTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Pipelined_responses_flushed_while_the_reactor_is_busy_leave_in_one_send()
    {
        const int N = 64;
        using var reactorBusy = new ManualResetEventSlim();
        var reactorBlocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int served = 0;
        bool reactorBusyTimedOut = false;
        UringReactor? reactor = null;
        await using TestServer server = await TestServer.StartAsync(o => o.ReactorCount = 1, endpoints: app => app.MapGet("/n", async (HttpContext context) =>
        {
            int i = Interlocked.Increment(ref served);
            if (i == 1)
            {
                // Keep the reactor busy from before the first response is flushed until the last one is: every flush
                // in between only queues the send loop, as under load when the reactor is running other connections.
                reactor!.Post(_ =>
                {
                    reactorBlocked.TrySetResult();
                    if (!reactorBusy.Wait(Limit))
                        reactorBusyTimedOut = true;
                }, null);
                await reactorBlocked.Task.WaitAsync(Limit);
            }
            context.Response.ContentLength = 2;
            await context.Response.WriteAsync("ok");
            await context.Response.Body.FlushAsync();
            if (i == N)
                reactorBusy.Set(); // every response is flushed
        }));
        reactor = server.Factory.Transport!.Executor.Reactors[0];
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, server.BaseAddress.Port);
        long sendsBefore = server.Factory.Transport.Sends;
        // One write (about 1.7 KB, one segment on loopback): the reactor receives all N requests before it is blocked.
        byte[] requests = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("GET /n HTTP/1.1\r\nHost: t\r\n\r\n", N)));
        await socket.SendAsync(requests);
        Task<int> responses = CountResponsesAsync(socket, N);
        Assert.True(await Task.WhenAny(responses, Task.Delay(Limit * 2)) == responses,
            $"Watchdog: {Volatile.Read(ref served)} of {N} requests served, reactor released: {reactorBusy.IsSet}, timed out: {reactorBusyTimedOut}");
        Assert.Equal(N, await responses);
        Assert.False(reactorBusyTimedOut, "the last response was never flushed while the reactor was busy");
        long sends = server.Factory.Transport.Sends - sendsBefore;
        // About 8 KB of responses in two or three pipe segments: one sendmsg (before the change: one send(2) per flush).
        Assert.True(sends <= 2, $"{N} pipelined responses took {sends} sends");
    }

    private static async Task<int> CountResponsesAsync(Socket socket, int expected)
    {
        byte[] buffer = new byte[65536];
        var text = new StringBuilder();
        int count = 0;
        while (count < expected)
        {
            int n = await socket.ReceiveAsync(buffer);
            Assert.True(n > 0, $"the server closed the connection after {count} responses");
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
            string all = text.ToString();
            count = 0;
            for (int at = all.IndexOf("\r\n\r\nok", StringComparison.Ordinal); at >= 0; at = all.IndexOf("\r\n\r\nok", at + 1, StringComparison.Ordinal))
                count++;
        }
        return count;
    }
}
