using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using UringSafe.Async;
using UringSafe.Tests.Support;

namespace UringSafe.AspNetCore.Tests.HttpClientTests;

/// <summary>Fd counts are process-wide: these tests run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HttpClientLeakCollection
{
    public const string Name = "httpclient-leaks";
}

/// <summary>
/// Failed requests through <c>UseUringSafe</c> leave nothing behind: 10,000 of them (refused connects, resets mid-response,
/// timeouts) and the process's descriptors, the reactors' operations in flight and leaked operations are back where
/// they were.
/// </summary>
[Collection(HttpClientLeakCollection.Name)]
public class HttpClientLeakTests
{
    [Fact]
    public void Ten_thousand_failed_requests_leak_no_fd_and_no_operation() => Watchdog.RunThread(nameof(Ten_thousand_failed_requests_leak_no_fd_and_no_operation), () => Scenario(10_000).GetAwaiter().GetResult(), TimeSpan.FromSeconds(240));

    private static async Task Scenario(int failures)
    {
        await using var resetting = new HttpClientFailureTests.RawServer(HttpClientFailureTests.RawServer.Behaviour.ResetAfterHeaders);
        await using var silent = new HttpClientFailureTests.RawServer(HttpClientFailureTests.RawServer.Behaviour.Silent);
        int refusedPort;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            refusedPort = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        using var executor = new UringExecutor(2);
        Dictionary<string, int> before;
        int[] kinds = new int[3];
        using (HttpClient client = HttpClientOverUringTests.Client(executor))
        {
            await Fail(client, 0, refusedPort, resetting.Uri, silent.Uri); // warm-up: the runtime's own lazily opened fds
            await Fail(client, 1, refusedPort, resetting.Uri, silent.Uri);
            await Fail(client, 2, refusedPort, resetting.Uri, silent.Uri);
            await Settle(executor);
            before = FdCensus.Targets();
            var sw = Stopwatch.StartNew();
            int next = -1;
            await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
            {
                for (int i; (i = Interlocked.Increment(ref next)) < failures;)
                {
                    // Mostly refused connects (cheap); every 10th a reset mid-response, every 50th a timeout.
                    int kind = i % 50 == 0 ? 2 : i % 10 == 0 ? 1 : 0;
                    Interlocked.Increment(ref kinds[kind]);
                    await Fail(client, kind, refusedPort, resetting.Uri, silent.Uri);
                }
            }));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(200), $"{failures} failures took {sw.Elapsed}");
        }
        await resetting.DisposeAsync();
        await silent.DisposeAsync();
        await Settle(executor);
        // Closes finish asynchronously (on the reactors, and the handler disposes connections in the background): a
        // leak is what is still open after a few seconds.
        string diff;
        var settle = Stopwatch.StartNew();
        do
        {
            Dictionary<string, int> after = FdCensus.Targets();
            diff = string.Join(", ", after.Keys.Union(before.Keys)
                .Where(k => after.GetValueOrDefault(k) > before.GetValueOrDefault(k))
                .Select(k => $"{k}: {before.GetValueOrDefault(k)} -> {after.GetValueOrDefault(k)}"));
            if (diff.Length > 0)
                await Task.Delay(100);
        }
        while (diff.Length > 0 && settle.Elapsed < TimeSpan.FromSeconds(5));
        Assert.True(diff.Length == 0, $"after {failures} failed requests ({kinds[0]} refused, {kinds[1]} reset, {kinds[2]} timed out) these fds leaked: {diff}");
        Assert.All(executor.Reactors, r =>
        {
            Assert.True(r.InFlight == 0, $"reactor {r.Id} still has {r.InFlight} operations in flight (buffers lent to the kernel)");
            Assert.Equal(0, r.LeakedOperations);
        });
    }

    private static async Task Fail(HttpClient client, int kind, int refusedPort, Uri resetting, Uri silent)
    {
        try
        {
            if (kind == 0)
            {
                await client.GetStringAsync($"http://127.0.0.1:{refusedPort}/");
            }
            else
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(kind == 2 ? 50 : 60_000));
                await client.GetByteArrayAsync(kind == 1 ? resetting : silent, cts.Token);
            }
        }
        catch (HttpRequestException) when (kind != 2)
        {
            return;
        }
        catch (OperationCanceledException) when (kind == 2)
        {
            return;
        }
        catch (Exception e)
        {
            Assert.Fail($"a request of kind {kind} (0 refused, 1 reset, 2 timeout) failed in an unexpected way: {e}");
        }
        Assert.Fail($"a request of kind {kind} (0 refused, 1 reset, 2 timeout) did not fail");
    }

    /// <summary>Waits (bounded) until no operation is in flight: closes are carried out on the reactors.</summary>
    private static async Task Settle(UringExecutor executor)
    {
        var sw = Stopwatch.StartNew();
        while (executor.Reactors.Any(r => r.InFlight > 0) && sw.Elapsed < TimeSpan.FromSeconds(10))
            await Task.Delay(20);
        await Task.Delay(100);
    }
}
