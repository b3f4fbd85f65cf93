using System.Net;
using System.Net.Sockets;
using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Diagnostics;
using UringSafe.Raw;
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
public abstract class UringSocketListener : IAsyncDisposable, IDisposable, ISharedFdOwner, IFdContext
{
    private readonly UringListenerOptions _options;
    private readonly UringReactor _reactor;
    private readonly SharedFd _socket;
    private readonly MultishotAcceptor? _acceptor;
    private TimeSpan _backoff;
    private bool _inEpisode;

    private protected UringSocketListener(SharedFd socket, EndPoint? localEndPoint, UringListenerOptions options)
    {
        _socket = socket;
        _socket.Context = this;
        _options = options;
        _reactor = UringReactor.Current;
        LocalEndPoint = localEndPoint;
        if (options.Multishot)
        {
            _acceptor = new MultishotAcceptor(this, socket);
            _acceptor.Start(); // armed at once: connections that arrive before the first accept are queued
        }
    }

    string IFdContext.Describe() => SockAddr.Describe("listener", LocalEndPoint, null);

    /// <summary>The listening address (with the port the kernel chose for port 0).</summary>
    public EndPoint? LocalEndPoint { get; }

    /// <summary>The listening socket's descriptor (-1 once closed).</summary>
    public int Fd => _socket.Number;

    /// <summary>The owner of the listening socket's descriptor.</summary>
    public SharedFd SharedFd => _socket;

    /// <summary>Accept errors seen (EMFILE, ENFILE, ECONNABORTED...), each followed by a back-off.</summary>
    public long AcceptErrorCount { get; private set; }

    /// <summary>Raised on the reactor thread for every accept error, with the back-off delay before the next accept.</summary>
    public event Action<UringSocketException, TimeSpan>? AcceptError;

    /// <summary>Connections accepted by the kernel and not yet handed out by an accept call.</summary>
    public int PendingAccepts => _acceptor?.Queued ?? 0;

    internal UringReactor Reactor => _reactor;

    internal UringListenerOptions Options => _options;

    internal bool IsClosed => _socket.IsClosing;

    /// <summary>What an accept started after the listener was closed says.</summary>
    internal const string ClosedMessage = "The listener is closed: no accept can start on it. Bind a new listener to accept connections again.";

    /// <summary>Reports an accept error and returns the back-off to wait before accepting again.</summary>
    internal TimeSpan OnAcceptError(int errno)
    {
        _backoff = _backoff == TimeSpan.Zero ? _options.InitialBackoff : TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _options.MaxBackoff.Ticks));
        AcceptErrorCount++;
        Metrics.AcceptError(errno);
        var error = new UringSocketException(errno, $"Accept({LocalEndPoint})");
        Action<UringSocketException, TimeSpan>? handler = AcceptError;
        if (handler is null)
        {
            // Nobody listens: say it once per episode (until an accept succeeds again), never silently.
            if (!_inEpisode)
                Console.Error.WriteLine($"UringSafe: {error.Message} Backing off ({_backoff.TotalMilliseconds:0.#} ms, doubling) and serving existing connections; subscribe to AcceptError to handle this yourself.");
        }
        else
        {
            try
            {
                handler(error, _backoff);
            }
            catch (Exception e)
            {
                // a failing handler must not stop the listener, nor vanish
                _reactor.ReportUnhandled(new InvalidOperationException("A UringSocketListener.AcceptError handler threw.", e));
            }
        }
        _inEpisode = true;
        return _backoff;
    }

    internal void OnAcceptSuccess()
    {
        _backoff = TimeSpan.Zero;
        _inEpisode = false;
    }

    internal static bool IsTransient(int errno)
        => errno is SocketErrors.EMFILE or SocketErrors.ENFILE or SocketErrors.ENOBUFS or Errno.ENOMEM
            or SocketErrors.ECONNABORTED or SocketErrors.EAGAIN or SocketErrors.EINTR or Errno.EPERM
            or SocketErrors.ENETDOWN or SocketErrors.EHOSTUNREACH or SocketErrors.ENETUNREACH or 71 /* EPROTO */;

    /// <summary>Accepts one connection's fd (close-on-exec).</summary>
    private protected async ValueTask<int> AcceptFdAsync(CancellationToken cancellationToken)
    {
        if (_acceptor is not null)
            return await _acceptor.NextAsync(cancellationToken);
        while (true)
        {
            if (IsClosed)
                throw new ObjectDisposedException(GetType().Name, ClosedMessage);
            try
            {
                int fd = await _reactor.Execute<AcceptOperation, int>(new AcceptOperation(FileRef.Fd(_socket.Raw), cancellationToken), _socket, cancellationToken);
                OnAcceptSuccess();
                return fd;
            }
            catch (UringSocketException e) when (IsTransient(e.Errno) && !IsClosed)
            {
                await _reactor.Delay(OnAcceptError(e.Errno), cancellationToken);
            }
            catch (UringSocketException e) when (e.Errno == SocketErrors.ECANCELED && IsClosed)
            {
                throw new ObjectDisposedException(GetType().Name, "The listener was closed while an accept was pending.");
            }
        }
    }

    /// <summary>
    /// Stops accepting: closes queued connections, cancels a pending accept, and closes the listening socket once
    /// nothing uses it (the port is free again then). Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (_socket.IsClosing)
            return;
        _acceptor?.Stop();
        _socket.Close();
        OnClosed();
        GC.SuppressFinalize(this);
    }

    /// <summary>As <see cref="Dispose"/>, completing once the listening socket is closed.</summary>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        await _socket.CloseAsync();
    }

    private protected virtual void OnClosed()
    {
    }

    /// <summary>Creates, configures, binds and listens a socket (with io_uring BIND/LISTEN when asked and available).</summary>
    private protected static async ValueTask<(SharedFd Socket, EndPoint? Local)> ListenAsync(EndPoint endPoint, UringListenerOptions options, bool useUring, CancellationToken cancellationToken)
    {
        int family = SockAddr.Family(endPoint);
        int fd;
        if (useUring)
            fd = await UringReactor.Current.Execute<SocketControlOperation, int>(new SocketControlOperation(new UringSafe.Raw.Ops.Socket(family, SockAddr.SockStream | SockAddr.SockCloexec).Build(), "Socket"), cancellationToken);
        else
            fd = SockAddr.Socket(family, SockAddr.SockStream, "Socket");
        var socket = new SharedFd(fd, $"listener (binding {endPoint})");
        try
        {
            if (family != SockAddr.AfUnix && options.ReuseAddress)
                SockAddr.SetOption(fd, SockAddr.SolSocket, SockAddr.SoReuseAddr, 1, "SO_REUSEADDR");
            if (options.ReusePort)
                SockAddr.SetOption(fd, SockAddr.SolSocket, SockAddr.SoReusePort, 1, "SO_REUSEPORT");
            bool bound = false;
            if (useUring)
            {
                UringReactor reactor = UringReactor.Current;
                try
                {
                    await reactor.Execute<AddressOperation, int>(new AddressOperation(fd, endPoint, bind: true), socket, cancellationToken);
                    await reactor.Execute<SocketControlOperation, int>(new SocketControlOperation(new Listen(fd, options.Backlog).Build(), "Listen"), socket, cancellationToken);
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
            return (socket, SockAddr.SockName(fd) ?? endPoint);
        }
        catch
        {
            socket.Close();
            throw;
        }
    }

    private protected static (SharedFd Socket, EndPoint? Local) Listen(EndPoint endPoint, UringListenerOptions options)
    {
        ValueTask<(SharedFd, EndPoint?)> t = ListenAsync(endPoint, options, useUring: false, default);
        return t.IsCompleted ? t.Result : throw new InvalidOperationException("unreachable: the libc path is synchronous");
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
    private UringTcpListener(SharedFd socket, EndPoint? local, UringListenerOptions options) : base(socket, local, options)
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

    private UringUnixListener(SharedFd socket, EndPoint? local, UringListenerOptions options, string? unlinkPath) : base(socket, local, options)
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
