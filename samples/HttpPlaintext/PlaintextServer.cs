using System.Net;
using System.Runtime.InteropServices;
using UringSafe.Async;
using UringSafe;
using UringSafe.Buffers;
using UringSafe.Net;

namespace HttpPlaintext;

/// <summary>
/// A minimal HTTP/1.1 server straight on UringSafe (no Kestrel): one reactor per thread, each with its own
/// SO_REUSEPORT listener and its own connections; keep-alive and pipelining (the responses to every complete request
/// in one receive go out in one send); <c>GET /plaintext</c> answers <c>Hello, World!</c>. Malformed or oversized
/// requests get 400 and a close; a connection that sends no complete request for <see cref="RequestTimeout"/> is closed.
/// Steady state allocates nothing per request: a pinned receive array and a pooled send buffer per connection,
/// preformatted responses per reactor.
/// </summary>
public sealed class PlaintextServer : IDisposable
{
    private const int ReceiveSize = HttpRequestParser.MaxHeadLength + 4096; // always room for one whole head
    private const int SendSize = 16 * 1024;
    private const int MaxResponse = 256; // the longest preformatted response fits in this

    private readonly UringExecutor _executor;
    private readonly UringTcpListener?[] _listeners;
    private readonly Task[] _loops;
    private bool _disposed;

    private PlaintextServer(int threads, bool pinToCores, TimeSpan requestTimeout)
    {
        _executor = new UringExecutor(threads, pinToCores);
        _listeners = new UringTcpListener?[threads];
        _loops = new Task[threads];
        RequestTimeout = requestTimeout;
    }

    /// <summary>The bound address (the real port when started on port 0).</summary>
    public IPEndPoint EndPoint { get; private set; } = null!;

    /// <summary>How long a connection may go without sending a complete request. Default 10 s.</summary>
    public TimeSpan RequestTimeout { get; }

    /// <summary>Completes when every reactor's accept loop has ended (after <see cref="Dispose"/>).</summary>
    public Task Completion => Task.WhenAll(_loops);

    /// <summary>Requests answered (all reactors).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    private long _requests;

    /// <summary>Binds <paramref name="endPoint"/> on <paramref name="threads"/> reactors and starts serving.</summary>
    public static PlaintextServer Start(IPEndPoint endPoint, int threads, bool pinToCores = true, TimeSpan? requestTimeout = null)
    {
        var server = new PlaintextServer(Math.Max(1, threads), pinToCores, requestTimeout ?? TimeSpan.FromSeconds(10));
        try
        {
            var options = new UringListenerOptions { ReusePort = threads > 1, Backlog = 4096 };
            IPEndPoint bound = server._executor.Spawn(0, () => Task.FromResult(server.BindOn(0, endPoint, options))).GetAwaiter().GetResult();
            for (int i = 1; i < server._listeners.Length; i++)
            {
                int index = i;
                server._executor.Spawn(index, () => Task.FromResult(server.BindOn(index, bound, options))).GetAwaiter().GetResult();
            }
            server.EndPoint = bound;
            for (int i = 0; i < server._listeners.Length; i++)
            {
                int index = i;
                server._loops[i] = server._executor.Spawn(index, () => server.ServeAsync(index));
            }
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    private IPEndPoint BindOn(int index, IPEndPoint endPoint, UringListenerOptions options)
    {
        UringTcpListener listener = UringTcpListener.Bind(endPoint, options);
        _listeners[index] = listener;
        return listener.LocalEndPoint;
    }

    /// <summary>Per-reactor state, used only on that reactor's thread.</summary>
    private sealed class ReactorState : IDisposable
    {
        public readonly Responses Responses = new();
        public readonly IoBufferPool SendPool = new(SendSize, 256);
        public readonly Stack<byte[]> ReceiveArrays = new();
        public readonly CancellationTokenSource Stopping = new();

        public byte[] RentReceive() => ReceiveArrays.TryPop(out byte[]? a) ? a : GC.AllocateUninitializedArray<byte>(ReceiveSize, pinned: true);

        public IoBuffer RentSend() => SendPool.TryRent(out IoBuffer? b) ? b : IoBuffer.Allocate(SendSize);

        public void Dispose()
        {
            Stopping.Cancel();
            SendPool.Dispose();
        }
    }

    private async Task ServeAsync(int index)
    {
        UringReactor reactor = UringReactor.Current;
        UringTcpListener listener = _listeners[index]!;
        using var state = new ReactorState();
        _ = RefreshDateAsync(reactor, state);
        while (true)
        {
            UringTcpStream stream;
            try
            {
                stream = await listener.AcceptAsync();
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException || listener.Fd < 0)
            {
                break;
            }
            try
            {
                stream.NoDelay = true;
            }
            catch (UringSocketException)
            {
                // gone already: the first read says so
            }
            _ = ServeConnectionAsync(stream, state);
        }
    }

    private static async Task RefreshDateAsync(UringReactor reactor, ReactorState state)
    {
        try
        {
            while (true)
            {
                await reactor.Delay(TimeSpan.FromSeconds(1), state.Stopping.Token);
                state.Responses.UpdateDate(DateTime.UtcNow);
            }
        }
        catch (Exception)
        {
            // stopping (cancelled) or the reactor is shutting down
        }
    }

    private async Task ServeConnectionAsync(UringTcpStream stream, ReactorState state)
    {
        byte[] received = state.RentReceive();
        IoBuffer send = state.RentSend();
        using var timeout = new CancellationTokenSource(RequestTimeout);
        int filled = 0;      // unparsed bytes at the start of `received`
        long drain = 0;      // body bytes still to skip
        bool close = false;
        bool more = false;   // the send buffer filled up with requests still unparsed: answer them before reading
        try
        {
            while (!close)
            {
                int n = 0;
                if (!more)
                {
                    Memory<byte> free = MemoryMarshal.CreateFromPinnedArray(received, filled, received.Length - filled);
                    try
                    {
                        (n, free) = await stream.ReadAsync(free, timeout.Token);
                    }
                    catch (OperationCanceledException e)
                    {
                        // no complete request within RequestTimeout (or the server is stopping): close
                        free = e is UringOperationCanceledException { Buffer: Memory<byte> back } ? back : default;
                        break;
                    }
                    catch (UringSocketException e)
                    {
                        // reset by the peer...: close
                        free = e.Buffer is Memory<byte> back ? back : default;
                        break;
                    }
                    if (n == 0)
                        break;
                }
                more = false;
                int end = filled + n, pos = 0;
                if (drain > 0)
                {
                    int skip = (int)Math.Min(drain, end);
                    pos = skip;
                    drain -= skip;
                }
                send.Length = 0;
                while (drain == 0 && pos < end)
                {
                    if (send.Capacity - send.Length < MaxResponse)
                    {
                        more = true; // many pipelined requests: send these responses first
                        break;
                    }
                    ReadOnlySpan<byte> data = received.AsSpan(pos, end - pos);
                    ParseStatus status = HttpRequestParser.TryParse(data, out HttpRequestHead head, out _);
                    if (status == ParseStatus.Incomplete)
                        break;
                    byte[] response;
                    if (status == ParseStatus.Error)
                    {
                        response = state.Responses.BadRequest;
                        close = true;
                    }
                    else
                    {
                        response = Route(head, data, state.Responses);
                        close = !head.KeepAlive;
                        pos += head.Length;
                        long body = Math.Min(head.ContentLength, end - pos);
                        pos += (int)body;
                        drain = head.ContentLength - body;
                        timeout.CancelAfter(RequestTimeout); // a complete request: the clock starts again
                        Interlocked.Increment(ref _requests);
                    }
                    response.CopyTo(send.FullSpan.Slice(send.Length));
                    send.Length += response.Length;
                    if (close)
                        break;
                }
                // Send the responses: WriteAllAsync sends them all (after a short send, the rest again) in one await.
                if (send.Length > 0)
                {
                    try
                    {
                        (_, send) = await stream.WriteAllAsync(send);
                    }
                    catch (UringSocketException e)
                    {
                        send = ReturnedBuffer.From<IoBuffer>(e)!; // broken pipe, reset...: the connection is done
                        close = true;
                    }
                    send.Length = 0;
                }
                filled = end - pos;
                if (filled > 0 && pos > 0)
                    received.AsSpan(pos, filled).CopyTo(received);
            }
        }
        finally
        {
            await stream.CloseAsync();
        }
        send.Dispose();
        state.ReceiveArrays.Push(received);
    }

    private static byte[] Route(in HttpRequestHead head, ReadOnlySpan<byte> data, Responses responses)
    {
        ReadOnlySpan<byte> path = head.Path(data);
        if (!path.SequenceEqual("/plaintext"u8))
            return responses.NotFound;
        return head.Method is HttpMethod.Get ? responses.Plaintext : responses.MethodNotAllowed;
    }

    /// <summary>Stops accepting, stops the reactors (cancelling open connections) and joins their threads.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        for (int i = 0; i < _listeners.Length; i++)
        {
            int index = i;
            if (_listeners[index] is null)
                continue;
            try
            {
                _executor.Spawn(index, () =>
                {
                    _listeners[index]?.Dispose();
                    return Task.CompletedTask;
                }).Wait(TimeSpan.FromSeconds(2));
            }
            catch (Exception)
            {
                // the reactor is gone
            }
        }
        try
        {
            Completion.Wait(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
            // an accept loop failed; the executor's shutdown below still runs
        }
        _executor.Dispose();
    }
}
