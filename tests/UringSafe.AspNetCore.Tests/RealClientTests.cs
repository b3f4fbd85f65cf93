using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using RealClients;

namespace UringSafe.AspNetCore.Tests;

/// <summary>
/// The fast subset of tests/Integration/realclients.sh (issue 19), on both transports (UringSafe's and, as the
/// reference, the sockets transport), with .NET clients instead of curl, wrk and h2load: chunked bodies both ways,
/// 16-deep pipelining, IPv6, h2c, WebSocket echo, slowloris and a bounded connection flood. What other tests cover
/// already is left to them: big bodies and keep-alive (TransportTests), stalled uploads and the concurrency limiter
/// (BackPressureTests), killed downloads and their log (DisconnectTests), aborts (AbortTests). The timing bars of the
/// script (a fresh GET within a second) are not asserted here: only that everything completes, under a watchdog.
/// </summary>
public class RealClientTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90); // a watchdog for hangs, generous for a busy machine

    public static TheoryData<bool> Transports => new() { true, false }; // io_uring, the sockets transport (the reference)

    private static Task<TestServer> StartAsync(bool uring, Action<KestrelServerOptions>? kestrel = null)
        => TestServer.StartAsync(o => o.ForceUnavailableForTesting = !uring, kestrel: kestrel, endpoints: app =>
        {
            app.UseWebSockets();
            app.MapGet("/plaintext", () => Results.Text("Hello, World!"));
            app.Map("/ws", WebSocketEcho.RunAsync);
        });

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Chunked_bodies_both_ways_and_16_deep_pipelining(bool uring)
    {
        await using TestServer server = await StartAsync(uring);
        Assert.Equal(uring, server.Factory.UsesIoUring);
        using HttpClient client = server.CreateClient();
        byte[] body = new byte[3 << 20];
        new Random(7).NextBytes(body);
        // No length on the request (chunked), none on the response (/echo copies as it reads: chunked back).
        using var content = new StreamContent(new MemoryStream(body));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/echo") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        Task<byte[]> echo = EchoAsync(client, request);
        Assert.True(await Task.WhenAny(echo, Task.Delay(Limit)) == echo, "Watchdog: a 3 MiB chunked echo did not finish.");
        byte[] echoed = await echo;
        Assert.True(body.AsSpan().SequenceEqual(echoed), "The chunked echo came back different.");

        Task<string> pipelined = ClientChecks.PipelineAsync("127.0.0.1", server.BaseAddress.Port, depth: 16, rounds: 50);
        Assert.True(await Task.WhenAny(pipelined, Task.Delay(Limit)) == pipelined, "Watchdog: 50 rounds of 16 pipelined requests did not finish.");
        await pipelined;
    }

    private static async Task<byte[]> EchoAsync(HttpClient client, HttpRequestMessage request)
    {
        using HttpResponseMessage response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        Assert.True(response.Headers.TransferEncodingChunked, "The echo's response should be chunked (it has no length).");
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task IPv6_and_h2c_are_served(bool uring)
    {
        await using TestServer server = await StartAsync(uring, k =>
        {
            k.Listen(IPAddress.IPv6Loopback, 0);
            k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2); // h2c with prior knowledge
        });
        Uri v6 = server.Addresses.Single(a => a.Host == "[::1]");
        Uri h2c = server.Addresses.Single(a => a.Host == "127.0.0.1");
        using var http = new HttpClient { Timeout = Limit };
        Assert.Equal("Hello, World!", await http.GetStringAsync(new Uri(v6, "/plaintext")));

        using var h2 = new HttpClient { Timeout = Limit, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        // 200 requests multiplexed on one connection, and a body bigger than the flow-control windows.
        Task<string>[] gets = Enumerable.Range(0, 200).Select(_ => h2.GetStringAsync(new Uri(h2c, "/plaintext"))).ToArray();
        Task<HttpResponseMessage> big = h2.GetAsync(new Uri(h2c, "/big/3000000"));
        Task all = Task.WhenAll(Task.WhenAll(gets), big);
        Assert.True(await Task.WhenAny(all, Task.Delay(Limit)) == all, "Watchdog: the h2c requests did not finish.");
        Assert.All(gets, g => Assert.Equal("Hello, World!", g.Result));
        using HttpResponseMessage response = await big;
        Assert.Equal(HttpVersion.Version20, response.Version);
        byte[] bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(3000000, bytes.Length);
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != TestServer.Pattern(i))
                Assert.Fail($"h2c body byte {i} is {bytes[i]}, expected {TestServer.Pattern(i)}");
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task WebSocket_echo_from_1_byte_to_256_KiB(bool uring)
    {
        await using TestServer server = await StartAsync(uring);
        var ws = new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = "/ws" }.Uri;
        Task<string> echo = ClientChecks.WebSocketEchoAsync(ws, messages: 60, maxBytes: 256 * 1024);
        Assert.True(await Task.WhenAny(echo, Task.Delay(Limit)) == echo, "Watchdog: the WebSocket echo did not finish.");
        await echo;
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Slowloris_connections_are_dropped_while_fresh_requests_are_served(bool uring)
    {
        await using TestServer server = await StartAsync(uring, k => k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(1));
        // Throws if a trickling connection is still open at the limit, or a fresh GET fails.
        ClientChecks.SlowlorisResult result = await ClientChecks.SlowlorisAsync("127.0.0.1", server.BaseAddress.Port, conns: 20, Limit);
        Assert.True(result.Probes > 0, $"No fresh GET ran meanwhile: {result}");
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_flood_of_500_connections_is_served_and_released(bool uring)
    {
        await using TestServer server = await StartAsync(uring);
        Task<string> flood = ClientChecks.FloodAsync("127.0.0.1", server.BaseAddress.Port, conns: 500);
        Assert.True(await Task.WhenAny(flood, Task.Delay(Limit)) == flood, "Watchdog: the connection flood did not finish.");
        await flood;
        using HttpClient client = server.CreateClient();
        Task<string> get = client.GetStringAsync("/plaintext");
        Assert.True(await Task.WhenAny(get, Task.Delay(Limit)) == get, "Watchdog: a GET after the flood got no answer.");
        Assert.Equal("Hello, World!", await get);
    }
}
