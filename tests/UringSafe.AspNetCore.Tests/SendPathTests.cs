using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using UringSafe.Async;
using UringSafe.Diagnostics;

namespace UringSafe.AspNetCore.Tests;

/// <summary>The transport's send path: straight from the output pipe's segments, as sendmsg operations on the ring that
/// wait for room when the socket buffer is full.</summary>
public class SendPathTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(1)]
    [InlineData(100_000)]
    [InlineData(8 * 1024 * 1024)]
    public async Task Responses_written_in_many_pieces_arrive_intact(long size)
    {
        await using TestServer server = await TestServer.StartAsync(o => o.ReactorCount = 1);
        using HttpClient client = server.CreateClient();
        byte[] body = await client.GetByteArrayAsync($"/big/{size}").WaitAsync(Limit);
        AssertPattern(body, size);
    }

    [Fact]
    public async Task A_reader_slower_than_the_server_gets_the_rest_sent_from_the_ring()
    {
        await using TestServer server = await TestServer.StartAsync(o => o.ReactorCount = 1);
        const long size = 16 * 1024 * 1024;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 8192 };
        await socket.ConnectAsync(IPAddress.Loopback, server.BaseAddress.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /big/{size} HTTP/1.1\r\nHost: test\r\n\r\n"));
        // Nothing is read yet, so the server fills the socket buffer and its send on the ring waits for room. Wait for the
        // sends to start (not a fixed delay: on a loaded machine the server may not have run at all yet).
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (server.Factory.Transport!.Sends == 0 && waited.Elapsed < Limit)
            await Task.Delay(10);
        Assert.True(server.Factory.Transport.Sends > 0, "the server never sent");
        byte[] body = await ReadResponseBodyAsync(socket, size).WaitAsync(Limit);
        AssertPattern(body, size);
    }

    [Fact]
    public async Task Application_code_that_blocks_does_not_stall_other_connections_of_its_reactor()
    {
        await using TestServer server = await TestServer.StartAsync(o => o.ReactorCount = 1);
        using HttpClient blocked = server.CreateClient();
        using HttpClient other = server.CreateClient();
        Task<string> waiting = blocked.GetStringAsync("/block");
        await server.Blocked.Task.WaitAsync(Limit);
        // The one reactor still serves other connections while a request's thread is blocked.
        Assert.Equal("Hello, World!", await other.GetStringAsync("/hello").WaitAsync(Limit));
        AssertPattern(await other.GetByteArrayAsync("/big/300000").WaitAsync(Limit), 300_000);
        Assert.False(waiting.IsCompleted);
        server.Gate.Set();
        Assert.Equal("unblocked", await waiting.WaitAsync(Limit));
    }

    [Fact]
    public async Task Aborting_connections_mid_send_never_returns_pipe_memory_before_the_final_completion()
    {
        var pool = new TrackingMemoryPool();
        var faults = new FaultInjectionOptions { Seed = 13, DelayRate = 1.0, MaxDelayTurns = 16 };
        await using (TestServer server = await TestServer.StartAsync(
            o =>
            {
                o.ReactorCount = 1;
                o.ReactorOptions = new ReactorOptions { FaultInjection = faults };
            },
            services: s => s.AddSingleton<IMemoryPoolFactory<byte>>(pool)))
        {
            UringTransport transport = server.Factory.Transport!;
            for (int i = 0; i < 4; i++)
            {
                long sends = transport.Sends;
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 8192 };
                await socket.ConnectAsync(IPAddress.Loopback, server.BaseAddress.Port);
                await socket.SendAsync(Encoding.ASCII.GetBytes("GET /big/16777216 HTTP/1.1\r\nHost: test\r\n\r\n"));
                byte[] some = new byte[65536];
                int got = 0;
                while (got < some.Length)
                {
                    int n = await socket.ReceiveAsync(some.AsMemory(got)).AsTask().WaitAsync(Limit);
                    Assert.True(n > 0, "the server closed the connection early");
                    got += n;
                }
                // Wait until the server is in a ring send (the socket buffer is full, and this client reads no more).
                var waited = System.Diagnostics.Stopwatch.StartNew();
                while (transport.Sends == sends)
                {
                    Assert.True(waited.Elapsed < Limit, "the server never had to send on the ring");
                    await Task.Delay(10);
                }
                socket.LingerState = new LingerOption(true, 0);
                socket.Close(); // RST: the send in flight fails (its completion held back by the fault injector)
            }
            using HttpClient client = server.CreateClient();
            Assert.Equal("Hello, World!", await client.GetStringAsync("/hello").WaitAsync(Limit));
        }
        Assert.True(pool.Violations.IsEmpty, string.Join("\n", pool.Violations.Distinct()));
        Assert.True(pool.Rented > 0);
    }

    private static async Task<byte[]> ReadResponseBodyAsync(Socket socket, long size)
    {
        var all = new MemoryStream();
        byte[] chunk = new byte[65536];
        int headerEnd = -1;
        while (headerEnd < 0 || all.Length - headerEnd < size)
        {
            int n = await socket.ReceiveAsync(chunk);
            Assert.True(n > 0, $"the server closed the connection after {all.Length} bytes");
            all.Write(chunk, 0, n);
            if (headerEnd < 0)
            {
                int i = all.GetBuffer().AsSpan(0, (int)all.Length).IndexOf("\r\n\r\n"u8);
                if (i >= 0)
                    headerEnd = i + 4;
            }
        }
        return all.GetBuffer().AsSpan(headerEnd, (int)(all.Length - headerEnd)).ToArray();
    }

    private static void AssertPattern(byte[] body, long size)
    {
        Assert.Equal(size, body.LongLength);
        for (long i = 0; i < size; i++)
        {
            if (body[i] != TestServer.Pattern(i))
                Assert.Fail($"byte {i} of {size} is {body[i]}, expected {TestServer.Pattern(i)}");
        }
    }
}
