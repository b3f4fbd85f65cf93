using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using UringSafe.Raw;

namespace UringSafe.AspNetCore.Tests;

public class TransportTests
{
    public static TheoryData<bool> ReceiveModes => new() { false, true };

    [Theory]
    [MemberData(nameof(ReceiveModes))]
    public async Task Get_returns_the_body_over_io_uring(bool multishot)
    {
        await using TestServer server = await TestServer.StartAsync(o => o.UseMultishotReceive = multishot);
        Assert.True(server.Factory.UsesIoUring, server.Factory.FallbackReason);
        using HttpClient client = server.CreateClient();
        Assert.Equal("Hello, World!", await client.GetStringAsync("/hello"));
        // The connection is ours: UringSafe connection ids start with 'U'.
        Assert.StartsWith("U", await client.GetStringAsync("/connection"));
    }

    [Theory]
    [MemberData(nameof(ReceiveModes))]
    public async Task Post_echoes_a_1_MiB_body(bool multishot)
    {
        await using TestServer server = await TestServer.StartAsync(o => o.UseMultishotReceive = multishot);
        using HttpClient client = server.CreateClient();
        byte[] body = new byte[1024 * 1024];
        new Random(42).NextBytes(body);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using HttpResponseMessage response = await client.PostAsync("/echo", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        byte[] echoed = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(body.Length, echoed.Length);
        Assert.True(body.AsSpan().SequenceEqual(echoed));
    }

    [Theory]
    [MemberData(nameof(ReceiveModes))]
    public async Task Hundred_sequential_keep_alive_requests_share_one_connection(bool multishot)
    {
        await using TestServer server = await TestServer.StartAsync(o => o.UseMultishotReceive = multishot);
        using HttpClient client = server.CreateClient();
        var ids = new HashSet<string>();
        for (int i = 0; i < 100; i++)
        {
            ids.Add(await client.GetStringAsync("/connection"));
            Assert.Equal("Hello, World!", await client.GetStringAsync("/hello"));
        }
        Assert.Single(ids);
    }

    [Theory]
    [MemberData(nameof(ReceiveModes))]
    public async Task Twenty_concurrent_requests(bool multishot)
    {
        await using TestServer server = await TestServer.StartAsync(o => o.UseMultishotReceive = multishot);
        using HttpClient client = server.CreateClient();
        for (int round = 0; round < 3; round++)
        {
            string[] bodies = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetStringAsync("/hello")));
            Assert.All(bodies, b => Assert.Equal("Hello, World!", b));
        }
        var posts = Enumerable.Range(0, 20).Select(async i =>
        {
            byte[] body = new byte[1000 + i * 997];
            new Random(i).NextBytes(body);
            using HttpResponseMessage r = await client.PostAsync("/echo", new ByteArrayContent(body));
            byte[] echoed = await r.Content.ReadAsByteArrayAsync();
            Assert.True(body.AsSpan().SequenceEqual(echoed));
        });
        await Task.WhenAll(posts);
    }

    [Fact]
    public async Task Forced_unavailable_falls_back_to_sockets_with_exactly_one_warning()
    {
        var logs = new CapturingLoggerProvider();
        await using (TestServer server = await TestServer.StartAsync(o => o.ForceUnavailableForTesting = true, logs))
        {
            Assert.False(server.Factory.UsesIoUring);
            using HttpClient client = server.CreateClient();
            Assert.Equal("Hello, World!", await client.GetStringAsync("/hello"));
            Assert.DoesNotContain("U", (await client.GetStringAsync("/connection"))[..1]);
            using HttpResponseMessage r = await client.PostAsync("/echo", new ByteArrayContent(new byte[100_000]));
            Assert.Equal(100_000, (await r.Content.ReadAsByteArrayAsync()).Length);
        }
        var warnings = logs.Entries.Where(e => e.Category == "UringSafe.AspNetCore" && e.Level >= LogLevel.Warning).ToList();
        var warning = Assert.Single(warnings);
        Assert.Contains("ForceUnavailableForTesting", warning.Message);
        Assert.Contains("sockets transport", warning.Message);
    }

    [Fact]
    public async Task Connections_are_logged_at_debug()
    {
        var logs = new CapturingLoggerProvider();
        await using (TestServer server = await TestServer.StartAsync(logs: logs))
        {
            using HttpClient client = server.CreateClient();
            Assert.Equal("Hello, World!", await client.GetStringAsync("/hello"));
        }
        var ours = logs.Entries.Where(e => e.Category == "UringSafe.AspNetCore").ToList();
        Assert.Contains(ours, e => e.Level == LogLevel.Debug && e.Message.Contains("accepted", StringComparison.Ordinal));
        Assert.Contains(ours, e => e.Level == LogLevel.Debug && e.Message.Contains("closed", StringComparison.Ordinal));
        Assert.DoesNotContain(ours, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public void Ring_is_supported_here()
    {
        // The io_uring tests above are only meaningful where the ring works (it does on the CI machine).
        Assert.True(Ring.IsSupported, Ring.UnavailableReason?.Message);
    }
}
