using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Raw.Ops;

namespace UringSafe.Net;

/// <summary>How a listener is set up.</summary>
public sealed record UringListenerOptions
{
    /// <summary>listen(2) backlog. Default 512.</summary>
    public int Backlog { get; init; } = 512;

    /// <summary>SO_REUSEPORT: several listeners (one per reactor / core) bind the same address and the kernel
    /// spreads connections over them. Default false.</summary>
    public bool ReusePort { get; init; }

    /// <summary>SO_REUSEADDR (TCP only). Default true.</summary>
    public bool ReuseAddress { get; init; } = true;

    /// <summary>Accept with one multishot accept kept armed (IORING_ACCEPT_MULTISHOT); false issues one accept per
    /// <c>AcceptAsync</c>. Default true.</summary>
    public bool Multishot { get; init; } = true;

    /// <summary>Connections accepted while nobody awaits that are queued before the multishot accept is paused
    /// (the kernel's backlog holds the rest). Default 128.</summary>
    public int MaxPendingAccepts { get; init; } = 128;

    /// <summary>First back-off after an accept error such as EMFILE; doubled per consecutive error. Default 5 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Longest back-off. Default 1 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Bind and listen with IORING_OP_BIND / IORING_OP_LISTEN (kernel 6.11+) in <c>BindAsync</c>, falling back
    /// to bind(2)/listen(2) where the kernel lacks them. Default true.</summary>
    public bool UseUringBindListen { get; init; } = true;
}

/// <summary>
/// A listening socket on the current reactor's io_uring (<see cref="UringTcpListener"/>, <see cref="UringUnixListener"/>).
/// With <see cref="UringListenerOptions.Multishot"/> one accept stays armed; connections that arrive while nobody
/// awaits are queued (bounded) and closed if the listener closes first. Accept errors such as EMFILE/ENFILE back off
/// (exponentially, up to <see cref="UringListenerOptions.MaxBackoff"/>) and are reported through
/// <see cref="AcceptError"/> and <see cref="AcceptErrorCount"/>; the listener never spins on them.
/// Use it on the reactor thread that created it.
/// </summary>
public abstract class UringSocketListener : IAsyncDisposable, IDisposable
{
    private readonly UringListenerOptions _options;
    private readonly UringReactor _reactor;
    private readonly Acceptor? _acceptor;
    private int _fd;
    private TimeSpan _backoff;

    private protected UringSocketListener(int fd, EndPoint? localEndPoint, UringListenerOptions options)
    {
        _fd = fd;
        _options = options;
        _reactor = UringReactor.Current;
        LocalEndPoint = localEndPoint;
        if (options.Multishot)
        {
            _acceptor = new Acceptor(this);
            _acceptor.Arm();
        }
    }

    /// <summary>The listening address (with the port the kernel chose for port 0).</summary>
    public EndPoint? LocalEndPoint { get; }

    /// <summary>The listening socket's descriptor (-1 once closed).</summary>
    public int Fd => _fd;

    /// <summary>Accept errors seen (EMFILE, ENFILE, ECONNABORTED...), each followed by a back-off.</summary>
    public long AcceptErrorCount { get; private set; }

    /// <summary>Raised on the reactor thread for every accept error, with the back-off delay before the next accept.</summary>
    public event Action<UringSocketException, TimeSpan>? AcceptError;

    /// <summary>Connections accepted by the kernel and not yet handed out by an accept call.</summary>
    public int PendingAccepts => _acceptor?.Pending ?? 0;

    internal UringReactor Reactor => _reactor;

    internal UringListenerOptions Options => _options;

    internal bool IsClosed => _fd < 0;

    internal int ListenFd => _fd >= 0 ? _fd : throw new ObjectDisposedException(GetType().Name, "The listener is closed.");

    /// <summary>Reports an accept error and returns the back-off to wait before accepting again.</summary>
    internal TimeSpan OnAcceptError(int errno)
    {
        _backoff = _backoff == TimeSpan.Zero ? _options.InitialBackoff : TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _options.MaxBackoff.Ticks));
        AcceptErrorCount++;
        try
        {
            AcceptError?.Invoke(new UringSocketException(errno, "Accept"), _backoff);
        }
        catch
        {
            // a failing handler must not stop the listener
        }
        return _backoff;
    }

    internal void OnAcceptSuccess() => _backoff = TimeSpan.Zero;

    internal static bool IsTransient(int errno)
        => errno is SocketErrors.EMFILE or SocketErrors.ENFILE or SocketErrors.ENOBUFS or Errno.ENOMEM
            or SocketErrors.ECONNABORTED or SocketErrors.EAGAIN or SocketErrors.EINTR or Errno.EPERM
            or SocketErrors.ENETDOWN or SocketErrors.EHOSTUNREACH or SocketErrors.ENETUNREACH or 71 /* EPROTO */;

    /// <summary>Accepts one connection's fd (close-on-exec).</summary>
    private protected async ValueTask<int> AcceptFdAsync(CancellationToken cancellationToken)
    {
        if (_acceptor is not null)
            return await _acceptor.AcceptAsync(cancellationToken);
        while (true)
        {
            try
            {
                int fd = await SocketOperationSource<AcceptOperation, int>.Run(new AcceptOperation(ListenFd, cancellationToken), "Accept", cancellationToken);
                OnAcceptSuccess();
                return fd;
            }
            catch (UringSocketException e) when (IsTransient(e.Errno) && !IsClosed)
            {
                await _reactor.Delay(OnAcceptError(e.Errno), cancellationToken);
            }
        }
    }

    /// <summary>Stops accepting, closes queued connections and the listening socket. Idempotent.</summary>
    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd < 0)
            return;
        _acceptor?.Close();
        SockAddr.Close(fd);
        OnClosed();
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private protected virtual void OnClosed()
    {
    }

    /// <summary>Creates, configures, binds and listens a socket (with io_uring BIND/LISTEN when asked and available).</summary>
    private protected static async ValueTask<(int Fd, EndPoint? Local)> ListenAsync(EndPoint endPoint, UringListenerOptions options, bool useUring, CancellationToken cancellationToken)
    {
        int family = SockAddr.Family(endPoint);
        int fd;
        if (useUring)
            fd = await SocketOperationSource<PlainOperation, int>.Run(new PlainOperation(new UringSafe.Raw.Ops.Socket(family, SockAddr.SockStream | SockAddr.SockCloexec).Build()), "Socket", cancellationToken);
        else
            fd = SockAddr.Socket(family, SockAddr.SockStream, "Socket");
        try
        {
            if (family != SockAddr.AfUnix && options.ReuseAddress)
                SockAddr.SetOption(fd, SockAddr.SolSocket, SockAddr.SoReuseAddr, 1, "SO_REUSEADDR");
            if (options.ReusePort)
                SockAddr.SetOption(fd, SockAddr.SolSocket, SockAddr.SoReusePort, 1, "SO_REUSEPORT");
            bool bound = false;
            if (useUring)
            {
                try
                {
                    await SocketOperationSource<AddressOperation, int>.Run(new AddressOperation(fd, endPoint, bind: true), $"Bind({endPoint})", cancellationToken);
                    await SocketOperationSource<PlainOperation, int>.Run(new PlainOperation(new Listen(fd, options.Backlog).Build()), $"Listen({endPoint})", cancellationToken);
                    bound = true;
                }
                catch (UringSocketException e) when (e.Errno is SocketErrors.EINVAL or SocketErrors.EOPNOTSUPP && e.Operation.StartsWith("Bind", StringComparison.Ordinal))
                {
                    // a kernel without IORING_OP_BIND (before 6.11): the libc calls below
                }
            }
            if (!bound)
            {
                SockAddr.Bind(fd, endPoint);
                SockAddr.Listen(fd, options.Backlog, endPoint);
            }
            return (fd, SockAddr.SockName(fd) ?? endPoint);
        }
        catch
        {
            SockAddr.Close(fd);
            throw;
        }
    }

    private protected static (int Fd, EndPoint? Local) Listen(EndPoint endPoint, UringListenerOptions options)
    {
        ValueTask<(int, EndPoint?)> t = ListenAsync(endPoint, options, useUring: false, default);
        return t.IsCompleted ? t.Result : throw new InvalidOperationException("unreachable: the libc path is synchronous");
    }

    /// <summary>The multishot accept and the queue of connections nobody has asked for yet.</summary>
    private sealed class Acceptor(UringSocketListener listener) : OperationSlot, IValueTaskSource<int>
    {
        private readonly Queue<int> _pending = new();
        private ManualResetValueTaskSourceCore<int> _core;
        private CancellationTokenRegistration _registration;
        private CancellationToken _token;
        private CancellationTokenSource? _closing;
        private bool _waiting, _armed, _paused, _closed, _backingOff;
        private int _fatal;

        public int Pending => _pending.Count;

        private int Max => Math.Max(1, listener._options.MaxPendingAccepts);

        public void Arm()
        {
            if (_armed || _closed || _backingOff || _paused || _fatal != 0)
                return;
            listener._reactor.SubmitMultishot(this, new AcceptMultishot(listener.ListenFd).AcceptFlags(SockAddr.SockCloexec).Build());
            _armed = true;
        }

        public ValueTask<int> AcceptAsync(CancellationToken cancellationToken)
        {
            if (_waiting)
                throw new InvalidOperationException("An accept is already pending on this listener; await it before starting another.");
            if (_pending.TryDequeue(out int fd))
            {
                if (_paused && _pending.Count < Max / 2)
                {
                    _paused = false;
                    TryArm();
                }
                return new ValueTask<int>(fd);
            }
            if (_closed)
                return ValueTask.FromException<int>(new ObjectDisposedException(listener.GetType().Name, "The listener is closed."));
            if (_fatal != 0)
                return ValueTask.FromException<int>(new UringSocketException(_fatal, "AcceptMultishot"));
            if (cancellationToken.IsCancellationRequested)
                return ValueTask.FromCanceled<int>(cancellationToken);
            _paused = false;
            Arm();
            _waiting = true;
            _token = cancellationToken;
            if (cancellationToken.CanBeCanceled)
                _registration = cancellationToken.UnsafeRegister(static s => ((Acceptor)s!).OnTokenCancelled(), this);
            return new ValueTask<int>(this, _core.Version);
        }

        private void OnTokenCancelled()
        {
            short version = _core.Version;
            listener._reactor.Post(static s =>
            {
                var (self, v) = ((Acceptor, short))s!;
                if (self._waiting && self._core.Version == v)
                {
                    self._waiting = false;
                    self._registration = default;
                    // Nothing was accepted for this call; a connection arriving later is queued for the next accept
                    // (and closed if the listener closes first).
                    self._core.SetException(new OperationCanceledException("The accept was cancelled.", self._token));
                }
            }, (this, version));
        }

        private void TryArm()
        {
            try
            {
                Arm();
            }
            catch (Exception e) when (e is InvalidOperationException or SubmissionQueueFullException)
            {
                // the reactor is full or shutting down; the next AcceptAsync arms again
            }
        }

        internal override void OnCompletion(int result, CqeFlags flags, bool final)
        {
            if (final)
                _armed = false;
            if (result >= 0)
            {
                if (_closed)
                {
                    SockAddr.Close(result); // arrived after close: nobody will take it
                    return;
                }
                listener.OnAcceptSuccess();
                if (_waiting)
                {
                    _waiting = false;
                    _registration.Dispose();
                    _registration = default;
                    _core.SetResult(result);
                }
                else
                {
                    _pending.Enqueue(result);
                    if (_pending.Count >= Max && !_paused)
                    {
                        _paused = true;
                        if (_armed)
                            listener._reactor.CancelSlot(UserData);
                    }
                }
                if (final && !_paused)
                    TryArm(); // the kernel ended the multishot without an error: keep accepting
                return;
            }
            int errno = -result;
            if (errno == SocketErrors.ECANCELED || _closed)
                return; // paused, closed or reactor shutdown: the next AcceptAsync re-arms
            if (!IsTransient(errno))
            {
                _fatal = errno;
                if (_waiting)
                {
                    _waiting = false;
                    _registration.Dispose();
                    _registration = default;
                    _core.SetException(new UringSocketException(errno, "AcceptMultishot"));
                }
                return;
            }
            TimeSpan delay = listener.OnAcceptError(errno);
            if (final)
                _ = BackoffAsync(delay);
        }

        private async Task BackoffAsync(TimeSpan delay)
        {
            _backingOff = true;
            _closing ??= new CancellationTokenSource();
            try
            {
                await listener._reactor.Delay(delay, _closing.Token);
            }
            catch (Exception)
            {
                // closed (cancelled) or the reactor is going away
            }
            _backingOff = false;
            if (!_closed && !_paused)
                TryArm();
        }

        public void Close()
        {
            _closed = true;
            if (_armed)
                listener._reactor.CancelSlot(UserData);
            _closing?.Cancel();
            while (_pending.TryDequeue(out int fd))
                SockAddr.Close(fd);
            if (_waiting)
            {
                _waiting = false;
                _registration.Dispose();
                _registration = default;
                _core.SetException(new ObjectDisposedException(listener.GetType().Name, "The listener was closed while an accept was pending."));
            }
        }

        public int GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _core.Reset();
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => _core.OnCompleted(continuation, state, token, Continuations.Adjust(listener._reactor, flags));
    }
}

/// <summary>
/// A TCP listener on the current reactor's io_uring, like tokio-uring's <c>TcpListener</c>:
/// <c>var listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 8080));</c> then
/// <c>var stream = await listener.AcceptAsync();</c> (the peer is <see cref="UringSocketStream.RemoteEndPoint"/>).
/// With <see cref="UringListenerOptions.ReusePort"/> each reactor (core) can have its own listener on the same port.
/// </summary>
public sealed class UringTcpListener : UringSocketListener
{
    private UringTcpListener(int fd, EndPoint? local, UringListenerOptions options) : base(fd, local, options)
    {
    }

    /// <summary>Binds and listens with bind(2)/listen(2), synchronously. Call on a reactor thread.</summary>
    public static UringTcpListener Bind(IPEndPoint endPoint, UringListenerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options ??= new UringListenerOptions();
        _ = UringReactor.Current;
        var (fd, local) = Listen(endPoint, options);
        return new UringTcpListener(fd, local, options);
    }

    /// <summary>Binds and listens with IORING_OP_SOCKET, IORING_OP_BIND and IORING_OP_LISTEN (6.11+; falls back to libc).</summary>
    public static async ValueTask<UringTcpListener> BindAsync(IPEndPoint endPoint, UringListenerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options ??= new UringListenerOptions();
        var (fd, local) = await ListenAsync(endPoint, options, options.UseUringBindListen, cancellationToken);
        return new UringTcpListener(fd, local, options);
    }

    /// <summary>The bound address (with the port the kernel picked for port 0).</summary>
    public new IPEndPoint LocalEndPoint => (IPEndPoint)base.LocalEndPoint!;

    /// <summary>Accepts a connection. Its peer address is <see cref="UringSocketStream.RemoteEndPoint"/>.</summary>
    public async ValueTask<UringTcpStream> AcceptAsync(CancellationToken cancellationToken = default)
    {
        int fd = await AcceptFdAsync(cancellationToken);
        return new UringTcpStream(fd, SockAddr.PeerName(fd));
    }
}

/// <summary>A Unix domain stream listener on a filesystem path (or an abstract name starting with '@').</summary>
public sealed class UringUnixListener : UringSocketListener
{
    private readonly string? _unlinkPath;

    private UringUnixListener(int fd, EndPoint? local, UringListenerOptions options, string? unlinkPath) : base(fd, local, options)
        => _unlinkPath = unlinkPath;

    /// <summary>Binds <paramref name="path"/> and listens. An existing socket file at the path is replaced when
    /// <paramref name="deleteExisting"/>; the file is removed again when the listener closes.</summary>
    public static async ValueTask<UringUnixListener> BindAsync(string path, UringListenerOptions? options = null, bool deleteExisting = true, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new UringListenerOptions();
        bool isAbstract = path[0] is '@' or '\0';
        if (!isAbstract && deleteExisting && File.Exists(path))
            File.Delete(path);
        var endPoint = new UnixDomainSocketEndPoint(path);
        var (fd, local) = await ListenAsync(endPoint, options, options.UseUringBindListen, cancellationToken);
        return new UringUnixListener(fd, local ?? endPoint, options, isAbstract ? null : path);
    }

    /// <summary>Accepts a connection.</summary>
    public async ValueTask<UringUnixStream> AcceptAsync(CancellationToken cancellationToken = default)
    {
        int fd = await AcceptFdAsync(cancellationToken);
        return new UringUnixStream(fd, SockAddr.PeerName(fd));
    }

    private protected override void OnClosed()
    {
        if (_unlinkPath is not null)
        {
            try
            {
                File.Delete(_unlinkPath);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
