using System.Net;
using System.Net.Sockets;
using System.Text;
using HttpPlaintext;

namespace UringSafe.AspNetCore.Tests;

/// <summary>The HttpPlaintext sample server, in-process on 127.0.0.1 port 0, over raw sockets.</summary>
public class HttpPlaintextServerTests
{
    private const string Get = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n";

    private static async Task<Socket> ConnectAsync(PlaintextServer server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server.EndPoint);
        return socket;
    }

    private static Task SendAsync(Socket socket, string text) => socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None);

    /// <summary>Reads until <paramref name="count"/> complete responses (head + Content-Length body) or EOF.</summary>
    private static async Task<(List<string> Responses, bool Closed)> ReadResponsesAsync(Socket socket, int count, TimeSpan? wait = null)
    {
        var all = new List<byte>();
        var responses = new List<string>();
        byte[] buffer = new byte[8192];
        using var cts = new CancellationTokenSource(wait ?? TimeSpan.FromSeconds(10));
        bool closed = false;
        while (responses.Count < count)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0)
            {
                closed = true;
                break;
            }
            all.AddRange(buffer.AsSpan(0, n).ToArray());
            while (TrySplit(all, out string? one))
                responses.Add(one!);
        }
        return (responses, closed);
    }

    private static bool TrySplit(List<byte> data, out string? response)
    {
        response = null;
        string text = Encoding.ASCII.GetString(data.ToArray());
        int headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headEnd < 0)
            return false;
        int cl = 0;
        foreach (string line in text[..headEnd].Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                cl = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        int total = headEnd + 4 + cl;
        if (text.Length < total)
            return false;
        response = text[..total];
        data.RemoveRange(0, total);
        return true;
    }

    [Fact]
    public async Task Answers_pipelined_requests_in_order_on_one_connection()
    {
        using PlaintextServer server = PlaintextServer.Start(new IPEndPoint(IPAddress.Loopback, 0), threads: 2, pinToCores: false);
        using Socket socket = await ConnectAsync(server);
        string pipelined = string.Concat(Enumerable.Repeat(Get, 16)) + "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n" + Get;
        await SendAsync(socket, pipelined);
        var (responses, closed) = await ReadResponsesAsync(socket, 18);
        Assert.False(closed);
        Assert.Equal(18, responses.Count);
        for (int i = 0; i < 18; i++)
        {
            if (i == 16)
            {
                Assert.StartsWith("HTTP/1.1 404 Not Found\r\n", responses[i]);
                continue;
            }
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", responses[i]);
            Assert.Contains("\r\nContent-Type: text/plain\r\n", responses[i]);
            Assert.Contains("\r\nServer: UringSafe\r\n", responses[i]);
            Assert.Matches(@"\r\nDate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n", responses[i]);
            Assert.EndsWith("\r\n\r\nHello, World!", responses[i]);
        }

        // a request split over several sends, byte by byte at the start
        foreach (char c in Get[..10])
        {
            await SendAsync(socket, c.ToString());
            await Task.Delay(5);
        }
        await SendAsync(socket, Get[10..]);
        (responses, _) = await ReadResponsesAsync(socket, 1);
        Assert.EndsWith("Hello, World!", Assert.Single(responses));
    }

    [Theory]
    [InlineData("GARBAGE\r\n\r\n")]
    [InlineData("GET /plaintext HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")]
    [InlineData("GET /plaintext HTTP/1.1\r\nBad Header\r\n\r\n")]
    [InlineData("\0\0\0\0\r\n")]
    public async Task Malformed_requests_get_400_and_a_close(string request)
    {
        using PlaintextServer server = PlaintextServer.Start(new IPEndPoint(IPAddress.Loopback, 0), threads: 1, pinToCores: false);
        using Socket socket = await ConnectAsync(server);
        await SendAsync(socket, Get + request + Get);
        var (responses, closed) = await ReadResponsesAsync(socket, 3);
        Assert.Equal(2, responses.Count);
        Assert.StartsWith("HTTP/1.1 200 OK", responses[0]);
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", responses[1]);
        Assert.Contains("Connection: close", responses[1]);
        Assert.True(closed);

        // the server is still fine
        using Socket again = await ConnectAsync(server);
        await SendAsync(again, Get);
        Assert.EndsWith("Hello, World!", Assert.Single((await ReadResponsesAsync(again, 1)).Responses));
    }

    [Fact]
    public async Task Oversized_request_line_gets_400()
    {
        using PlaintextServer server = PlaintextServer.Start(new IPEndPoint(IPAddress.Loopback, 0), threads: 1, pinToCores: false);
        using Socket socket = await ConnectAsync(server);
        await SendAsync(socket, "GET /" + new string('a', 9000));
        var (responses, closed) = await ReadResponsesAsync(socket, 2);
        Assert.StartsWith("HTTP/1.1 400 Bad Request", Assert.Single(responses));
        Assert.True(closed);
    }

    [Fact]
    public async Task Post_bodies_are_drained_and_answered_405_then_keep_alive_continues()
    {
        using PlaintextServer server = PlaintextServer.Start(new IPEndPoint(IPAddress.Loopback, 0), threads: 1, pinToCores: false);
        using Socket socket = await ConnectAsync(server);
        string body = new('x', 100_000);
        await SendAsync(socket, $"POST /plaintext HTTP/1.1\r\nHost: a\r\nContent-Length: {body.Length}\r\n\r\n{body}" + Get);
        var (responses, closed) = await ReadResponsesAsync(socket, 2);
        Assert.False(closed);
        Assert.StartsWith("HTTP/1.1 405 Method Not Allowed", responses[0]);
        Assert.StartsWith("HTTP/1.1 200 OK", responses[1]);
    }

    [Fact]
    public async Task Http10_without_keep_alive_is_closed_after_the_response()
    {
        using PlaintextServer server = PlaintextServer.Start(new IPEndPoint(IPAddress.Loopback, 0), threads: 1, pinToCores: false);
        using Socket socket = await ConnectAsync(server);
        await SendAsync(socket, "GET /plaintext HTTP/1.0\r\n\r\n");
        var (responses, closed) = await ReadResponsesAsync(socket, 2);
        Assert.Single(responses);
        Assert.True(closed);
    }

    [Fact]
    public async Task Slow_clients_are_closed_after_the_request_timeout()
    {
        using PlaintextServer server = PlaintextServer.Start(new IPEndPoint(IPAddress.Loopback, 0), threads: 1, pinToCores: false,
            requestTimeout: TimeSpan.FromMilliseconds(500));
        // The server's clock starts at its accept, so this one starts before the connect: on a busy machine the accept
        // can come long after the connect returns, and a clock started later would see the close "early".
        var started = System.Diagnostics.Stopwatch.StartNew();
        using Socket socket = await ConnectAsync(server);
        await SendAsync(socket, "GET /plaintext HTTP/1.1\r\n"); // and never the rest
        var (responses, closed) = await ReadResponsesAsync(socket, 1, TimeSpan.FromSeconds(10));
        Assert.Empty(responses);
        Assert.True(closed);
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(9));
    }

    [Fact]
    public async Task Many_concurrent_keep_alive_connections()
    {
        using PlaintextServer server = PlaintextServer.Start(new IPEndPoint(IPAddress.Loopback, 0), threads: 2, pinToCores: false);
        await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using Socket socket = await ConnectAsync(server);
            for (int i = 0; i < 20; i++)
            {
                await SendAsync(socket, Get);
                var (responses, _) = await ReadResponsesAsync(socket, 1);
                Assert.EndsWith("Hello, World!", Assert.Single(responses));
            }
        }));
        Assert.Equal(1000, server.Requests);
    }
}
