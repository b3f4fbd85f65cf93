using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace UringSafe.AspNetCore.Tests;

/// <summary>
/// Request bodies nobody reads (issue 19, item 1): back-pressure must stay in the socket. A connection whose input pipe
/// is full may not keep the reactor's provided buffers, or one slow handler starves every connection on that reactor.
/// The pools here are tiny (128 buffers of 4 KiB per reactor, 16 KiB per input pipe) so a few stalled uploads would
/// drain them if they could.
/// </summary>
public class BackPressureTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private static void SmallPools(UringSafeTransportOptions o)
    {
        o.ReactorCount = 1; // every connection on the same reactor and pool
        o.BufferSize = 4096;
        o.BuffersPerReactor = 16; // grows to 8 x 16 = 128 buffers
        o.MaxReadBufferSize = 16 * 1024;
    }

    [Fact]
    public async Task A_stalled_upload_does_not_delay_other_connections_on_the_same_reactor()
    {
        const int Stalled = 6;
        var started = new CountdownEvent(Stalled);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestServer server = await TestServer.StartAsync(SmallPools, endpoints: app =>
            app.MapPost("/stall", async (HttpContext _) =>
            {
                started.Signal();
                await release.Task; // never reads the body
                return "released";
            }));
        using var cancel = new CancellationTokenSource();
        using var uploads = new HttpClient { BaseAddress = server.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        Task[] posts = Enumerable.Range(0, Stalled).Select(_ => PostQuietlyAsync(uploads, "/stall", 4 << 20, cancel.Token)).ToArray();
        try
        {
            Assert.True(started.Wait(Limit), "Watchdog: the stalled uploads' handlers did not all start.");
            // Let the clients push what the server will take: before the fix, every stalled connection kept taking
            // provided buffers (about 64 to 136 each) after its pipe was full.
            await Task.Delay(500);
            int leased = await LeasedBuffersAsync(server);
            Assert.True(leased <= Stalled, $"{Stalled} stalled uploads hold {leased} provided buffers; a paused connection should hold none.");

            using HttpClient client = server.CreateClient(); // a fresh connection on the same (only) reactor
            Task<string> get = client.GetStringAsync("/hello");
            Assert.True(await Task.WhenAny(get, Task.Delay(Limit)) == get,
                $"Watchdog: a GET behind {Stalled} stalled uploads got no answer within {Limit.TotalSeconds} s (the reactor's receive buffers are held by connections nobody reads).");
            Assert.Equal("Hello, World!", await get);
        }
        finally
        {
            release.TrySetResult();
            cancel.Cancel();
            await Task.WhenAny(Task.WhenAll(posts), Task.Delay(Limit));
        }
    }

    [Fact]
    public async Task Uploads_queued_behind_a_concurrency_limit_all_complete()
    {
        // ASP.NET Core's ConcurrencyLimiter scenario: few permits, the other requests wait with their bodies unread.
        const int Uploads = 16, Permits = 2, Size = 256 * 1024;
        using var permits = new SemaphoreSlim(Permits);
        await using TestServer server = await TestServer.StartAsync(SmallPools, endpoints: app =>
            app.MapPost("/limited", async (HttpContext context) =>
            {
                await permits.WaitAsync();
                try
                {
                    byte[] chunk = new byte[16 * 1024];
                    long total = 0;
                    int n;
                    while ((n = await context.Request.Body.ReadAsync(chunk)) > 0)
                        total += n;
                    return total.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                finally
                {
                    permits.Release();
                }
            }));
        using HttpClient client = server.CreateClient();
        Task<string>[] posts = Enumerable.Range(0, Uploads).Select(async i =>
        {
            using HttpResponseMessage r = await client.PostAsync("/limited", new ByteArrayContent(new byte[Size]));
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            return await r.Content.ReadAsStringAsync();
        }).ToArray();
        Task all = Task.WhenAll(posts);
        Assert.True(await Task.WhenAny(all, Task.Delay(Limit)) == all,
            $"Watchdog: {posts.Count(p => !p.IsCompleted)} of {Uploads} uploads behind {Permits} permits did not finish within {Limit.TotalSeconds} s (the waiting uploads hold the receive buffers the permitted ones need).");
        Assert.All(posts, p => Assert.Equal(Size.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Result));
    }

    /// <summary>Posts <paramref name="size"/> zero bytes and ignores how it ends (cancelled at the end of the test).</summary>
    private static async Task PostQuietlyAsync(HttpClient client, string path, int size, CancellationToken cancellationToken)
    {
        try
        {
            using HttpResponseMessage r = await client.PostAsync(path, new ByteArrayContent(new byte[size]), cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
        {
        }
    }

    /// <summary>The provided buffers reactor 0 has leased out, read on its thread.</summary>
    private static Task<int> LeasedBuffersAsync(TestServer server)
    {
        UringTransport transport = server.Factory.Transport!;
        return transport.Executor.Spawn(0, () => Task.FromResult(transport.GetReactorContext(0).ProvidedBuffers.Leased));
    }
}
