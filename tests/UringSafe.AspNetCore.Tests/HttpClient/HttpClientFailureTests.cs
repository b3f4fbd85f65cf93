using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using UringSafe.Async;

namespace UringSafe.AspNetCore.Tests.HttpClientTests;

/// <summary>
/// Bad input through <c>UseUringSafe</c> gives what the stock SocketsHttpHandler gives in the same situation: each test
/// runs its scenario with both and compares the exception chains level by level (ours may be a subtype, such as
/// UringSocketException for SocketException), and checks the message names the cause.
/// </summary>
public class HttpClientFailureTests
{
    private static void Run(string scenario, Func<Task> body) => HttpClientOverUringTests.Run(scenario, body);

    /// <summary>Runs <paramref name="scenario"/> with the stock handler and with ours; both must fail, alike (the first
    /// <paramref name="levels"/> exceptions of the chain, or all of it).</summary>
    private static async Task<Exception> FailsAlike(Func<HttpClient, Task> scenario, TimeSpan? timeout = null, Action<SocketsHttpHandler>? configure = null, int? levels = null)
    {
        Exception stock;
        using (HttpClient client = HttpClientOverUringTests.Client(null, configure: configure, timeout: timeout))
            stock = await Assert.ThrowsAnyAsync<Exception>(() => scenario(client));
        using var executor = new UringExecutor(1);
        Exception ours;
        using (HttpClient client = HttpClientOverUringTests.Client(executor, configure: configure, timeout: timeout))
            ours = await Assert.ThrowsAnyAsync<Exception>(() => scenario(client));
        List<Exception> a = Chain(stock), b = Chain(ours);
        string Describe(List<Exception> c) => string.Join(" -> ", c.Select(e => $"{e.GetType().Name}: {e.Message}"));
        Assert.True(levels is null ? a.Count == b.Count : a.Count >= levels && b.Count >= levels, $"stock: {Describe(a)}\nours: {Describe(b)}");
        for (int i = 0; i < (levels ?? a.Count); i++)
            Assert.True(b[i].GetType().IsAssignableTo(a[i].GetType()), $"level {i} differs.\nstock: {Describe(a)}\nours: {Describe(b)}");
        return ours;
    }

    private static List<Exception> Chain(Exception e)
    {
        var chain = new List<Exception>();
        for (Exception? x = e; x is not null; x = x.InnerException)
            chain.Add(x);
        return chain;
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    [Fact]
    public void Connection_refused_is_an_HttpRequestException_around_a_SocketException() => Run(nameof(Connection_refused_is_an_HttpRequestException_around_a_SocketException), async () =>
    {
        int port = FreePort();
        Exception e = await FailsAlike(c => c.GetStringAsync($"http://127.0.0.1:{port}/"));
        var http = Assert.IsType<HttpRequestException>(e);
        Assert.Equal(HttpRequestError.ConnectionError, http.HttpRequestError);
        var socket = Assert.IsAssignableFrom<SocketException>(e.InnerException);
        Assert.Equal(SocketError.ConnectionRefused, socket.SocketErrorCode);
        Assert.Contains("refused", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void A_reset_mid_response_is_an_IOException_around_the_SocketException() => Run(nameof(A_reset_mid_response_is_an_IOException_around_the_SocketException), async () =>
    {
        await using var server = new RawServer(RawServer.Behaviour.ResetMidBody);
        Exception e = await FailsAlike(async c =>
        {
            using HttpResponseMessage r = await c.GetAsync(server.Uri, HttpCompletionOption.ResponseHeadersRead);
            Stream body = await r.Content.ReadAsStreamAsync();
            byte[] chunk = new byte[4096];
            for (int got = 0; got < RawServer.FirstPart;)
                got += await body.ReadAsync(chunk.AsMemory(0, Math.Min(chunk.Length, RawServer.FirstPart - got)));
            server.Reset.TrySetResult(); // the server resets once the client has read all it sent: the next read sees the RST
            while (await body.ReadAsync(chunk) > 0)
            {
            }
        });
        SocketException socket = Assert.IsAssignableFrom<SocketException>(Chain(e).Last());
        Assert.Equal(SocketError.ConnectionReset, socket.SocketErrorCode);
        Assert.Contains("reset", socket.Message, StringComparison.OrdinalIgnoreCase);
    });

    [Fact]
    public void A_server_that_never_answers_times_out_with_TaskCanceledException() => Run(nameof(A_server_that_never_answers_times_out_with_TaskCanceledException), async () =>
    {
        await using var server = new RawServer(RawServer.Behaviour.Silent);
        // The first two levels, as for a cancellation: whether a receive was in flight when the timeout cancelled it
        // (then its IOException is chained below) depends on timing, and differs between the two drivers.
        Exception e = await FailsAlike(c => c.GetStringAsync(server.Uri), timeout: TimeSpan.FromMilliseconds(300), levels: 2);
        Assert.IsType<TaskCanceledException>(e);
        Assert.IsType<TimeoutException>(e.InnerException);
        Assert.Contains("Timeout", e.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void Cancelling_a_pending_request_is_a_TaskCanceledException() => Run(nameof(Cancelling_a_pending_request_is_a_TaskCanceledException), async () =>
    {
        await using var server = new RawServer(RawServer.Behaviour.Silent);
        // The handler aborts the connection; what the aborted read threw (stock: a TaskCanceledException; ours: the
        // IOException of the cancelled recv) is inside the two TaskCanceledExceptions both give.
        Exception e = await FailsAlike(async c =>
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            await c.GetStringAsync(server.Uri, cts.Token);
        }, levels: 2);
        Assert.IsAssignableFrom<OperationCanceledException>(e);
    });

    [Fact]
    public void A_connect_that_hangs_fails_at_the_ConnectTimeout() => Run(nameof(A_connect_that_hangs_fails_at_the_ConnectTimeout), async () =>
    {
        // A listener whose accept queue is full: the kernel drops further SYNs, so connecting hangs.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(s);
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
                try
                {
                    await s.ConnectAsync(IPAddress.Loopback, port, cts.Token);
                }
                catch (OperationCanceledException)
                {
                    break; // this one hangs: the queue is full
                }
            }
            Exception e = await FailsAlike(c => c.GetStringAsync($"http://127.0.0.1:{port}/"),
                configure: h => h.ConnectTimeout = TimeSpan.FromMilliseconds(300));
            Assert.Contains("ConnectTimeout", Chain(e).Select(x => x.Message).Aggregate((x, y) => x + " | " + y), StringComparison.Ordinal);
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    });

    [Fact]
    public void An_untrusted_certificate_is_an_HttpRequestException_around_an_AuthenticationException() => Run(nameof(An_untrusted_certificate_is_an_HttpRequestException_around_an_AuthenticationException), async () =>
    {
        await using OriginServer server = await OriginServer.StartAsync();
        Exception e = await FailsAlike(c => c.GetStringAsync(new Uri(server.Tls, "/hello")));
        Assert.IsType<HttpRequestException>(e);
        Assert.IsType<AuthenticationException>(e.InnerException);
        Assert.Contains("SSL", e.Message, StringComparison.Ordinal);
    });

    /// <summary>A raw TCP server on 127.0.0.1 (port 0) that misbehaves for every connection in one way.</summary>
    internal sealed class RawServer : IAsyncDisposable
    {
        public enum Behaviour
        {
            /// <summary>Reads the request and never answers.</summary>
            Silent,

            /// <summary>Sends the headers and part of a long body, then resets (RST) once <see cref="Reset"/> is set.</summary>
            ResetMidBody,

            /// <summary>Sends the headers and part of a long body, then resets at once.</summary>
            ResetAfterHeaders,
        }

        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;
        private readonly List<Socket> _open = [];

        public RawServer(Behaviour behaviour)
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(512);
            Uri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}/");
            _accepting = AcceptLoop(behaviour);
        }

        public Uri Uri { get; }

        /// <summary>The body bytes sent before the reset.</summary>
        public const int FirstPart = 10_000;

        public TaskCompletionSource Reset { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private async Task AcceptLoop(Behaviour behaviour)
        {
            try
            {
                while (true)
                {
                    Socket s = await _listener.AcceptAsync(_stop.Token);
                    lock (_open)
                        _open.Add(s);
                    _ = Serve(s, behaviour);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // stopped
            }
        }

        private async Task Serve(Socket s, Behaviour behaviour)
        {
            try
            {
                byte[] request = new byte[4096];
                await s.ReceiveAsync(request, _stop.Token);
                if (behaviour == Behaviour.Silent)
                    return; // keep the socket open, say nothing
                await s.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + new string('x', FirstPart)), _stop.Token);
                if (behaviour == Behaviour.ResetMidBody)
                {
                    TaskCompletionSource reset = Reset;
                    await reset.Task.WaitAsync(_stop.Token);
                    Reset = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                s.LingerState = new LingerOption(true, 0);
                s.Close(); // RST
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // the test is over or the client went away
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_stop.IsCancellationRequested)
                return;
            _stop.Cancel();
            _listener.Dispose();
            await _accepting;
            lock (_open)
                _open.ForEach(s => s.Dispose());
            _stop.Dispose();
        }
    }
}
