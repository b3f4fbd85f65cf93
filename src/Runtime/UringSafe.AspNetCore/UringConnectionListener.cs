using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using UringSafe.Net;

namespace UringSafe.AspNetCore;

/// <summary>
/// One endpoint bound on every reactor (SO_REUSEPORT when there are several): each reactor runs its own accept
/// loop, starts the connection's I/O there and queues the connection for Kestrel's <see cref="AcceptAsync"/>.
/// </summary>
internal sealed class UringConnectionListener : IConnectionListener
{
    private readonly UringTransport _transport;
    private readonly UringTcpListener?[] _listeners;
    private readonly Task[] _acceptLoops;
    private readonly bool[] _backingOff; // per reactor (its thread): an accept error was logged, no accept succeeded since
    private readonly Channel<UringConnection> _accepted =
        Channel.CreateUnbounded<UringConnection>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private int _unbound;

    private UringConnectionListener(UringTransport transport, EndPoint endPoint)
    {
        _transport = transport;
        EndPoint = endPoint;
        _listeners = new UringTcpListener?[transport.Executor.Count];
        _acceptLoops = new Task[_listeners.Length];
        _backingOff = new bool[_listeners.Length];
    }

    public EndPoint EndPoint { get; private set; }

    public static async Task<UringConnectionListener> BindAsync(UringTransport transport, IPEndPoint endPoint)
    {
        var self = new UringConnectionListener(transport, endPoint);
        int count = self._listeners.Length;
        var options = new UringListenerOptions { ReusePort = count > 1, Backlog = transport.Options.Backlog };
        try
        {
            // The first reactor binds (a port 0 becomes a real port), the others join it on the same port.
            IPEndPoint bound = await transport.Executor.Spawn(0, () => Task.FromResult(self.BindOn(0, endPoint, options)));
            for (int i = 1; i < count; i++)
            {
                int index = i;
                await transport.Executor.Spawn(index, () => Task.FromResult(self.BindOn(index, bound, options)));
            }
            self.EndPoint = bound;
        }
        catch
        {
            await self.CloseListenersAsync();
            throw;
        }
        for (int i = 0; i < count; i++)
        {
            int index = i;
            self._acceptLoops[i] = transport.Executor.Spawn(index, () => self.AcceptLoopAsync(index));
        }
        Log.Bound(transport.Logger, self.EndPoint, count);
        return self;
    }

    private IPEndPoint BindOn(int index, IPEndPoint endPoint, UringListenerOptions options)
    {
        try
        {
            UringTcpListener listener = UringTcpListener.Bind(endPoint, options);
            // The library backs off by itself; subscribing sends its report to the host's logger instead of the console.
            listener.AcceptError += (error, backoff) => OnAcceptError(index, error, backoff);
            _listeners[index] = listener;
            return listener.LocalEndPoint;
        }
        catch (UringSocketException e) when (e.Errno == SocketErrors.EADDRINUSE)
        {
            throw new AddressInUseException(e.Message, e);
        }
    }

    /// <summary>Logs an accept error (EMFILE...) once per episode: they repeat with every back-off until an accept succeeds.</summary>
    private void OnAcceptError(int index, UringSocketException error, TimeSpan backoff)
    {
        if (_backingOff[index])
            return;
        _backingOff[index] = true;
        Log.AcceptBackoff(_transport.Logger, index, EndPoint, backoff, error);
    }

    /// <summary>The listener of reactor <paramref name="index"/> (tests).</summary>
    internal UringTcpListener? ListenerOn(int index) => _listeners[index];

    private async Task AcceptLoopAsync(int index)
    {
        ReactorContext rc = _transport.GetReactorContext(index);
        UringTcpListener listener = _listeners[index]!;
        while (true)
        {
            UringTcpStream stream;
            try
            {
                stream = await listener.AcceptAsync();
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException || listener.Fd < 0)
            {
                break; // unbound
            }
            catch (Exception e)
            {
                Log.AcceptError(_transport.Logger, index, EndPoint, e);
                break;
            }
            _backingOff[index] = false;
            if (_transport.Options.NoDelay)
            {
                try
                {
                    stream.NoDelay = true;
                }
                catch (UringSocketException)
                {
                    // the peer is already gone; the receive loop will notice
                }
            }
            var connection = new UringConnection(stream, rc, EndPoint);
            connection.Start();
            if (!_accepted.Writer.TryWrite(connection))
            {
                connection.Abort(new ConnectionAbortedException("The listener was unbound."));
                _ = connection.DisposeAsync();
            }
        }
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            while (await _accepted.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_accepted.Reader.TryRead(out UringConnection? connection))
                    return connection;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        return null;
    }

    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _unbound, 1) != 0)
            return;
        await CloseListenersAsync().ConfigureAwait(false);
        foreach (Task t in _acceptLoops)
        {
            if (t is not null)
                await t.ConfigureAwait(false);
        }
        _accepted.Writer.TryComplete();
    }

    private async Task CloseListenersAsync()
    {
        for (int i = 0; i < _listeners.Length; i++)
        {
            int index = i;
            if (_listeners[index] is null)
                continue;
            await _transport.Executor.Spawn(index, () =>
            {
                _listeners[index]?.Dispose();
                return Task.CompletedTask;
            }).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await UnbindAsync().ConfigureAwait(false);
        // Connections accepted but never handed to Kestrel: abort them.
        while (_accepted.Reader.TryRead(out UringConnection? connection))
        {
            connection.Abort(new ConnectionAbortedException("The listener was disposed."));
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
