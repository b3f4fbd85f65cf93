using System.Net.Sockets;
using System.Net;
using System.Text;
using UringSafe.Tests.Support;

namespace UringSafe.AspNetCore.Tests;

/// <summary>Steady-state allocation of the Kestrel transport's reactor side (receive, hand-off to the application).</summary>
[Collection(nameof(AllocationCollection))]
public class TransportAllocationTests
{
    [Fact]
    public async Task Keep_alive_requests_allocate_nothing_on_the_reactor_in_steady_state()
    {
        await using TestServer server = await TestServer.StartAsync(o => o.ReactorCount = 1);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, server.BaseAddress.Port);
        byte[] request = Encoding.ASCII.GetBytes("GET /big/64 HTTP/1.1\r\nHost: test\r\n\r\n");
        byte[] buffer = new byte[4096];

        async Task RoundTrips(int n)
        {
            for (int i = 0; i < n; i++)
            {
                await socket.SendAsync(request);
                int got = 0, head;
                // The response: a head, then a 64-byte body (Content-Length).
                while ((head = buffer.AsSpan(0, got).IndexOf("\r\n\r\n"u8)) < 0 || got < head + 4 + 64)
                {
                    int r = await socket.ReceiveAsync(buffer.AsMemory(got));
                    Assert.True(r > 0, "the server closed the connection");
                    got += r;
                }
            }
        }

        UringSafe.Async.UringExecutor executor = server.Factory.Transport!.Executor;
        Task<long> ReactorAllocated() => executor.Spawn(0, () => Task.FromResult(GC.GetAllocatedBytesForCurrentThread()));

        await RoundTrips(3000).WaitAsync(TimeSpan.FromSeconds(120)); // JIT tiering, pools filled
        await Task.Delay(200);
        await RoundTrips(1000).WaitAsync(TimeSpan.FromSeconds(60));
        const int N = 3000;
        long allocated = await SteadyStateAllocation.LeastAsync(async () =>
        {
            long before = await ReactorAllocated();
            await RoundTrips(N).WaitAsync(TimeSpan.FromSeconds(120));
            return await ReactorAllocated() - before;
        });
        // The measuring Spawn itself allocates a little (a task and a closure), not per request.
        Assert.True(allocated < N, $"the reactor allocated {allocated} bytes for {N} requests ({(double)allocated / N:0.00} B/request)");
    }
}
