using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using UringSafe.Async;
using UringSafe.Net.Http;
using UringSafe.Tests.Support;

namespace UringSafe.AspNetCore.Tests.HttpClientTests;

/// <summary>HttpClient over <see cref="SocketsHttpHandlerExtensions.UseUringSafe"/>: HTTP/1.1, h2c and TLS (HTTP/1.1 and
/// h2 by ALPN) against a real Kestrel, DNS, pooling and the reactor spread.</summary>
public class HttpClientOverUringTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    internal static HttpClient Client(UringExecutor? executor, X509Certificate2? trust = null, Action<SocketsHttpHandler>? configure = null, TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler { UseProxy = false };
        if (trust is not null)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == trust.Thumbprint;
        configure?.Invoke(handler);
        if (executor is not null)
            handler.UseUringSafe(executor);
        return new HttpClient(handler) { Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }

    internal static void Run(string scenario, Func<Task> body) => Watchdog.RunThread(scenario, () => body().GetAwaiter().GetResult(), Limit);

    private static HttpRequestMessage Get(Uri uri, Version version) => new(HttpMethod.Get, uri)
    {
        Version = version,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private static async Task EchoCheck(HttpClient client, Uri uri, Version version, int size, int seed)
    {
        byte[] body = new byte[size];
        new Random(seed).NextBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new ByteArrayContent(body) };
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(version, response.Version);
        byte[] echoed = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(body.Length, echoed.Length);
        Assert.True(body.AsSpan().SequenceEqual(echoed), $"the {size}-byte echo over HTTP/{version} came back different");
    }

    private static async Task DownloadCheck(HttpClient client, Uri server, Version version, int size)
    {
        using HttpResponseMessage response = await client.SendAsync(Get(new Uri(server, $"/bytes/{size}"), version));
        Assert.Equal(version, response.Version);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(size, body.Length);
        for (int i = 0; i < size; i++)
        {
            if (body[i] != OriginServer.Pattern(i))
                Assert.Fail($"byte {i} of a {size}-byte download over HTTP/{version} is {body[i]}, expected {OriginServer.Pattern(i)}");
        }
    }

    [Fact]
    public void Http11_get_post_and_download_over_the_reactors() => Run(nameof(Http11_get_post_and_download_over_the_reactors), async () =>
    {
        await using OriginServer server = await OriginServer.StartAsync();
        using var executor = new UringExecutor(2);
        using HttpClient client = Client(executor);
        Assert.Equal("Hello over HTTP/1.1", await client.GetStringAsync(new Uri(server.Http1, "/hello")));
        await EchoCheck(client, new Uri(server.Http1, "/echo"), HttpVersion.Version11, 1 << 20, 1);
        string[] bodies = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetStringAsync(new Uri(server.Http1, "/hello"))));
        Assert.All(bodies, b => Assert.Equal("Hello over HTTP/1.1", b));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => EchoCheck(client, new Uri(server.Http1, "/echo"), HttpVersion.Version11, 1000 + i * 30_011, i)));
        await DownloadCheck(client, server.Http1, HttpVersion.Version11, 4 << 20);
    });

    [Fact]
    public void New_connections_go_to_the_reactor_with_the_fewest() => Run(nameof(New_connections_go_to_the_reactor_with_the_fewest), async () =>
    {
        // Four requests held by the server: four connections, two per reactor, each with a receive pending on its ring.
        await using OriginServer server = await OriginServer.StartAsync();
        using var executor = new UringExecutor(2);
        using HttpClient client = Client(executor);
        Task<string>[] held = Enumerable.Range(0, 4).Select(_ => client.GetStringAsync(new Uri(server.Http1, "/gate"))).ToArray();
        while (server.Waiting < 4)
            await Task.Delay(10);
        await Task.Delay(50);
        Assert.All(executor.Reactors, r => Assert.True(r.InFlight >= 2, $"reactor {r.Id} has {r.InFlight} operations in flight; the 4 held requests should wait on both reactors, 2 each"));
        server.Gate.SetResult();
        Assert.All(await Task.WhenAll(held), b => Assert.Equal("opened", b));
    });

    [Fact]
    public void H2c_multiplexes_requests_over_one_connection() => Run(nameof(H2c_multiplexes_requests_over_one_connection), async () =>
    {
        await using OriginServer server = await OriginServer.StartAsync();
        using var executor = new UringExecutor(2);
        using HttpClient client = Client(executor);
        using (HttpResponseMessage r = await client.SendAsync(Get(new Uri(server.H2c, "/hello"), HttpVersion.Version20)))
        {
            Assert.Equal(HttpVersion.Version20, r.Version);
            Assert.Equal("Hello over HTTP/2", await r.Content.ReadAsStringAsync());
        }
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => EchoCheck(client, new Uri(server.H2c, "/echo"), HttpVersion.Version20, 1000 + i * 7_001, i)));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => DownloadCheck(client, server.H2c, HttpVersion.Version20, 1 << (18 + i))));
        // Held requests share the one connection: a single receive waits on a single reactor.
        Task<HttpResponseMessage>[] held = Enumerable.Range(0, 4).Select(_ => client.SendAsync(Get(new Uri(server.H2c, "/gate"), HttpVersion.Version20))).ToArray();
        while (server.Waiting < 4)
            await Task.Delay(10);
        Assert.Equal(1, executor.Reactors.Sum(r => r.InFlight));
        server.Gate.SetResult();
        foreach (HttpResponseMessage r in await Task.WhenAll(held))
        {
            Assert.Equal("opened", await r.Content.ReadAsStringAsync());
            r.Dispose();
        }
    });

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public void Tls_negotiates_the_protocol_by_alpn(string version) => Run($"{nameof(Tls_negotiates_the_protocol_by_alpn)}({version})", async () =>
    {
        await using OriginServer server = await OriginServer.StartAsync();
        using var executor = new UringExecutor(2);
        using HttpClient client = Client(executor, trust: server.Certificate);
        Version v = Version.Parse(version);
        using (HttpResponseMessage r = await client.SendAsync(Get(new Uri(server.Tls, "/hello"), v)))
        {
            Assert.Equal(v, r.Version);
            Assert.Equal(v.Major == 2 ? "Hello over HTTP/2" : "Hello over HTTP/1.1", await r.Content.ReadAsStringAsync());
        }
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => EchoCheck(client, new Uri(server.Tls, "/echo"), v, 1000 + i * 7_001, i)));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => DownloadCheck(client, server.Tls, v, 1 << (18 + i))));
    });

    [Fact]
    public void A_host_name_is_resolved_and_its_addresses_tried_in_order() => Run(nameof(A_host_name_is_resolved_and_its_addresses_tried_in_order), async () =>
    {
        // localhost may resolve to ::1 first, where nothing listens: the connector goes on to 127.0.0.1.
        await using OriginServer server = await OriginServer.StartAsync();
        using var executor = new UringExecutor(1);
        using HttpClient client = Client(executor);
        var uri = new UriBuilder(server.Http1) { Host = "localhost", Path = "/hello" }.Uri;
        Assert.Equal("Hello over HTTP/1.1", await client.GetStringAsync(uri));
    });

    [Fact]
    public void An_http_proxy_is_reached_through_the_reactors() => Run(nameof(An_http_proxy_is_reached_through_the_reactors), async () =>
    {
        // Kestrel answers absolute-form requests like a forward proxy would pass them on: enough to show the
        // connection to the proxy is ours and the request is sent to it.
        await using OriginServer server = await OriginServer.StartAsync();
        using var executor = new UringExecutor(1);
        using HttpClient client = Client(executor, configure: h =>
        {
            h.UseProxy = true;
            h.Proxy = new WebProxy(server.Http1) { BypassProxyOnLocal = false };
        });
        Assert.Equal("Hello over HTTP/1.1", await client.GetStringAsync("http://origin.invalid/hello"));
    });
}
