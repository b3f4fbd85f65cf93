using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Net;

namespace UringSafe.AspNetCore;

/// <summary>
/// One accepted connection. Its socket I/O runs on the reactor that accepted it: a receive loop lends pooled
/// <see cref="IoBuffer"/>s to the kernel (or takes multishot recv leases) and copies what arrives into the input
/// pipe; a send loop on the reactor sends the output pipe's segments as they are, as io_uring sendmsg gather lists
/// (<see cref="OutputSender"/>), everything flushed since its last send at once. Kestrel sees an
/// <see cref="IDuplexPipe"/> (<see cref="Transport"/>).
/// </summary>
internal sealed class UringConnection : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature,
    IConnectionEndPointFeature, IMemoryPoolFeature, IConnectionClosedNotice
{
    private static long s_lastId;

    private readonly UringTcpStream _stream;
    private readonly ReactorContext _rc;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _closed = new();
    private readonly FeatureCollection _features = new();
    private readonly OutputSender _sender;
    private ConnectionAbortedException? _abortReason;
    private Exception? _sendEnded; // why the send loop ended early, for the input side
    private CancellationTokenSource? _sendAbort; // created with the first ring send, cancelled by an abort (reactor thread)
    private int _shutdownRequested;
    private bool _flushPending, _stopReceiving, _receiveEnded; // the multishot receive loop's (reactor thread)
    private Task _processing = Task.CompletedTask;
    private IDictionary<object, object?>? _items;

    public UringConnection(UringTcpStream stream, ReactorContext rc, EndPoint? localEndPoint)
    {
        _stream = stream;
        _rc = rc;
        _input = new Pipe(rc.InputOptions);
        _output = new Pipe(rc.OutputOptions);
        _sender = new OutputSender(stream, rc.Reactor, rc);
        ConnectionId = "U" + Interlocked.Increment(ref s_lastId).ToString("X8", System.Globalization.CultureInfo.InvariantCulture);
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        LocalEndPoint = localEndPoint;
        RemoteEndPoint = stream.RemoteEndPoint;
        ConnectionClosed = _closed.Token;
        MemoryPool = rc.InputOptions.Pool;
        _features.Set<IConnectionIdFeature>(this);
        _features.Set<IConnectionTransportFeature>(this);
        _features.Set<IConnectionItemsFeature>(this);
        _features.Set<IConnectionLifetimeFeature>(this);
        _features.Set<IConnectionEndPointFeature>(this);
        _features.Set<IMemoryPoolFeature>(this);
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConnectionItems();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public MemoryPool<byte> MemoryPool { get; }

    /// <summary>Starts the receive and send loops. Call on the connection's reactor thread.</summary>
    public void Start() => _processing = RunAsync();

    private async Task RunAsync()
    {
        Log.ConnectionOpen(_rc.Logger, ConnectionId, RemoteEndPoint, _rc.Index);
        try
        {
            Task sending = SendLoopAsync();
            try
            {
                if (_rc.Options.UseMultishotReceive)
                    await ReceiveMultishotLoopAsync();
                else
                    await ReceiveLoopAsync();
            }
            finally
            {
                // The socket is closed only after the send loop ended, whatever the receive side did, so what the
                // application flushed before it completed the output still leaves before the close.
                await sending;
            }
        }
        finally
        {
            try
            {
                await _stream.CloseAsync();
            }
            catch (Exception e)
            {
                Log.ConnectionError(_rc.Logger, ConnectionId, "close", e);
            }
            Log.ConnectionClosed(_rc.Logger, ConnectionId);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        PipeWriter writer = _input.Writer;
        IoBuffer buffer = _rc.RentBuffer();
        try
        {
            while (true)
            {
                int n;
                try
                {
                    (n, buffer) = await _stream.ReadAsync(buffer);
                }
                catch (UringSocketException e) when (e.Buffer is IoBuffer)
                {
                    buffer = (IoBuffer)e.Buffer;
                    error = MapError(e);
                    break;
                }
                if (n == 0)
                    break; // the peer shut down its side (or we did, to stop this loop)
                buffer.Span.CopyTo(writer.GetSpan(n));
                writer.Advance(n);
                FlushResult flush = await writer.FlushAsync();
                if (flush.IsCompleted || flush.IsCanceled)
                    break;
            }
            buffer.Dispose();
        }
        catch (Exception e)
        {
            error = e;
            Log.ConnectionError(_rc.Logger, ConnectionId, "receive", e);
        }
        finally
        {
            EndReceive(error);
        }
    }

    private async Task ReceiveMultishotLoopAsync()
    {
        Exception? error = null;
        PipeWriter writer = _input.Writer;
        ProvidedBufferPool pool = _rc.ProvidedBuffers;
        try
        {
            while (!_stopReceiving)
            {
                ReceivedBuffer lease;
                try
                {
                    lease = await _stream.ReceiveAsync(pool);
                }
                catch (UringSocketException e)
                {
                    error = MapError(e);
                    break;
                }
                if (lease.IsEndOfStream)
                    break;
                // Every lease is copied and handed back at once, paused or not: a connection nobody reads holds none of
                // the reactor's shared buffers, whatever the kernel took before the pause landed.
                int n = lease.Length;
                lease.Span.CopyTo(writer.GetSpan(n));
                lease.Return();
                writer.Advance(n);
                if (_flushPending)
                    continue; // flushed when the pending flush completes
                ValueTask<FlushResult> flush = writer.FlushAsync();
                if (!flush.IsCompleted)
                {
                    // The pipe is full: keep the rest in the socket (the sockets transport's back-pressure).
                    _flushPending = true;
                    _stream.PauseReceiving();
                    _ = AwaitFlushAsync(flush);
                    continue;
                }
                FlushResult result = flush.Result;
                if (result.IsCompleted || result.IsCanceled)
                    break;
            }
        }
        catch (Exception e)
        {
            error = e;
            Log.ConnectionError(_rc.Logger, ConnectionId, "receive", e);
        }
        finally
        {
            _receiveEnded = true;
            _stream.StopReceiving();
            EndReceive(error);
        }
    }

    /// <summary>Waits for a flush the pipe held back (its continuation runs on the reactor), flushes what arrived while
    /// paused, and resumes receiving; or stops the receive loop when the application is done with the input.</summary>
    private async Task AwaitFlushAsync(ValueTask<FlushResult> flush)
    {
        PipeWriter writer = _input.Writer;
        try
        {
            while (true)
            {
                FlushResult result = await flush;
                if (_receiveEnded)
                    return;
                if (result.IsCompleted || result.IsCanceled)
                {
                    StopReceiveLoop();
                    return;
                }
                if (writer.UnflushedBytes == 0)
                    break;
                flush = writer.FlushAsync();
            }
            _flushPending = false;
            _stream.ResumeReceiving();
        }
        catch (Exception e)
        {
            Log.ConnectionError(_rc.Logger, ConnectionId, "receive", e);
            StopReceiveLoop();
        }
    }

    /// <summary>Ends the receive loop: its pending read returns the end of the stream (reactor thread).</summary>
    private void StopReceiveLoop()
    {
        _stopReceiving = true;
        _stream.StopReceiving();
    }

    private void EndReceive(Exception? error)
    {
        // Like the sockets transport: a reason the connection ended for (an abort, the send loop's error) wins over
        // what the receive saw.
        _input.Writer.Complete(Volatile.Read(ref _abortReason) ?? Volatile.Read(ref _sendEnded) ?? error);
        // Like the sockets transport: the receive side ended, so the connection is closed as far as the app knows.
        // Cancelling runs the app's callbacks: off the reactor, and not behind a busy thread pool's queue.
        _rc.ClosedNotifier.Notify(this);
        // If nothing is being sent, the send loop waits for the app; the app learns of the end from the input pipe.
    }

    /// <summary>Raises <see cref="ConnectionClosed"/> (the notifier's thread).</summary>
    public void FireClosed()
    {
        try
        {
            _closed.Cancel();
        }
        catch (Exception e)
        {
            Log.ConnectionError(_rc.Logger, ConnectionId, "connection-closed callback", e);
        }
    }

    private async Task SendLoopAsync()
    {
        Exception? error = null;
        PipeReader reader = _output.Reader;
        try
        {
            while (true)
            {
                // The output pipe's reader scheduler is the reactor: this resumes there, a turn after the flush that
                // woke it, with everything flushed since (coalesced: one sendmsg for many flushes).
                ReadResult result = await reader.ReadAsync();
                if (result.IsCanceled)
                    break;
                ReadOnlySequence<byte> data = result.Buffer;
                if (!data.IsEmpty)
                {
                    // An abort cancels this token on the reactor; one that came before the token existed is seen here.
                    CancellationToken abort = (_sendAbort ??= new CancellationTokenSource()).Token;
                    while (!data.IsEmpty && Volatile.Read(ref _abortReason) is null)
                        data = data.Slice(OutputSender.Accepted(await _sender.SendAsync(data, abort)));
                    if (!data.IsEmpty)
                        break; // aborted
                }
                // Only now, after the last send's final completion, may the pipe reuse the segments.
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                    break;
            }
        }
        catch (UringSocketException e) when (IsDisconnect(e))
        {
            // The peer left (or we aborted): routine. The output's reader completes quietly, as with the sockets
            // transport, so the application's writes end without an error; the input side gets the reason.
            Volatile.Write(ref _sendEnded, MapError(e));
        }
        catch (OperationCanceledException) when (Volatile.Read(ref _abortReason) is not null)
        {
            // the abort ended a send that waited for room
        }
        catch (Exception e)
        {
            error = e;
            Volatile.Write(ref _sendEnded, e);
            Log.ConnectionError(_rc.Logger, ConnectionId, "send", e);
        }
        finally
        {
            // Done sending: shut the socket down, which also ends a pending receive (it returns 0).
            RequestShutdown(abortive: Volatile.Read(ref _abortReason) is not null);
            reader.Complete(error);
            _input.Writer.CancelPendingFlush();
        }
    }

    /// <summary>The errors of a peer that went away or of our own abort (the sockets transport's reset and abort
    /// errors, plus EPIPE, which .NET reports as <see cref="SocketError.Shutdown"/>).</summary>
    private static bool IsDisconnect(UringSocketException e)
        => e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted
            or SocketError.OperationAborted or SocketError.NotConnected;

    private Exception MapError(UringSocketException e)
    {
        if (Volatile.Read(ref _abortReason) is { } aborted)
            return aborted;
        return e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted
            ? new ConnectionResetException(e.Message, e)
            : e;
    }

    /// <summary>Shuts the socket down on the reactor thread, once: gracefully (FIN) when the send loop is done, or, for
    /// an abort, so that the close sends RST.</summary>
    private void RequestShutdown(bool abortive = false)
    {
        if (Interlocked.Exchange(ref _shutdownRequested, 1) != 0)
            return;
        if (_rc.Reactor.IsOnReactorThread)
            _ = ShutdownAsync(abortive);
        else if (abortive)
            _rc.Reactor.Post(static s => _ = ((UringConnection)s!).ShutdownAsync(abortive: true), this);
        else
            _rc.Reactor.Post(static s => _ = ((UringConnection)s!).ShutdownAsync(abortive: false), this);
    }

    private async Task ShutdownAsync(bool abortive)
    {
        if (_stream.Fd < 0)
            return;
        try
        {
            if (abortive)
            {
                // Like the sockets transport, an aborted connection ends with RST: SO_LINGER 0 makes the close abortive,
                // and only the receive side is shut (no FIN): that ends the receive loop; the token ends a pending send.
                _stream.SetLingerZero();
                _sendAbort?.Cancel();
                await _stream.ShutdownAsync(SocketShutdown.Receive);
            }
            else
            {
                await _stream.ShutdownAsync(SocketShutdown.Both);
            }
        }
        catch (Exception)
        {
            // ENOTCONN (the peer is gone) or already closed: either way nothing is left to shut down
        }
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        Interlocked.CompareExchange(ref _abortReason, abortReason, null);
        // First: ending the send loop (its reader resumes on the reactor) requests a shutdown too, a graceful one.
        RequestShutdown(abortive: true);
        _output.Reader.CancelPendingRead();
    }

    public override async ValueTask DisposeAsync()
    {
        Transport.Input.Complete();
        Transport.Output.Complete();
        await _processing.ConfigureAwait(false);
    }

    /// <summary>A small dictionary for <see cref="Items"/>, created on first use.</summary>
    private sealed class ConnectionItems : ConcurrentDictionary<object, object?>
    {
    }
}
