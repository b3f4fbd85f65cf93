using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UringSafe.Raw;

namespace UringSafe.AspNetCore;

/// <summary>
/// Kestrel's connection listener factory for UringSafe: IP endpoints are served by io_uring reactors (one thread
/// per core, each with its own SO_REUSEPORT listener). Where io_uring is unavailable (<see cref="Ring.IsSupported"/>
/// is false, or <see cref="UringSafeTransportOptions.ForceUnavailableForTesting"/>), every endpoint goes to Kestrel's
/// sockets transport and one warning (category <c>UringSafe.AspNetCore</c>) says why. Other endpoint types (Unix
/// sockets, file handles) always use the sockets transport. Registered by
/// <c>builder.WebHost.UseUringSafe(...)</c>.
/// </summary>
public sealed class UringSafeTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    private readonly UringSafeTransportOptions _options;
    private readonly ILogger _logger;
    private readonly SocketTransportFactory _sockets;
    private readonly IServiceProvider _services;
    private readonly object _gate = new();
    private UringTransport? _transport;

    /// <summary>Creates the factory (normally through dependency injection).</summary>
    public UringSafeTransportFactory(IOptions<UringSafeTransportOptions> options, ILoggerFactory loggerFactory, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value;
        _services = services;
        _logger = loggerFactory.CreateLogger(Log.Category);
        IOptions<SocketTransportOptions> socketOptions = services.GetService<IOptions<SocketTransportOptions>>()
            ?? Options.Create(new SocketTransportOptions());
        _sockets = new SocketTransportFactory(socketOptions, loggerFactory);
        if (_options.ForceUnavailableForTesting)
        {
            FallbackReason = "forced by UringSafeTransportOptions.ForceUnavailableForTesting";
        }
        // Only where a default reactor would take the userspace ring: an explicit ReactorOptions.Driver, or
        // URINGSAFE_DRIVER=kernel (a requirement of io_uring), is left for the reactors to honour.
        else if (!Ring.IsSupported && (_options.ReactorOptions?.Driver ?? ReactorDriver.Auto) == ReactorDriver.Auto
            && UringCapabilities.Current.DefaultDriver == ReactorDriver.UserspaceRing)
        {
            string why = Ring.UnavailableReason?.Message ?? "io_uring is not supported here";
            if (_options.FallBackToSockets)
            {
                FallbackReason = why;
            }
            else
            {
                // The reactors run the userspace ring: chosen here, so the host's log says it (not Auto's stderr line).
                _options.ReactorOptions = (_options.ReactorOptions ?? new Async.ReactorOptions()) with { Driver = ReactorDriver.UserspaceRing };
                Log.UserspaceRing(_logger, why);
            }
        }
        if (FallbackReason is not null)
            Log.Fallback(_logger, FallbackReason);
    }

    /// <summary>True when IP endpoints are served by UringSafe's reactors (on the kernel's io_uring, or on the userspace
    /// ring where io_uring is unavailable); false when this factory fell back to the sockets transport.</summary>
    public bool UsesIoUring => FallbackReason is null;

    /// <summary>Why the factory fell back to the sockets transport, or null when it uses io_uring.</summary>
    public string? FallbackReason { get; }

    /// <inheritdoc/>
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint || _sockets.CanBind(endpoint);

    /// <inheritdoc/>
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (FallbackReason is not null || endpoint is not IPEndPoint ip)
            return await _sockets.BindAsync(endpoint, cancellationToken).ConfigureAwait(false);
        return await UringConnectionListener.BindAsync(GetTransport(), ip).ConfigureAwait(false);
    }

    private UringTransport GetTransport()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_transport is null)
            {
                MemoryPool<byte> pool = _services.GetService<IMemoryPoolFactory<byte>>()?.Create(new MemoryPoolOptions { Owner = "UringSafe" })
                    ?? MemoryPool<byte>.Shared;
                _transport = new UringTransport(_options, pool, _logger);
            }
            return _transport;
        }
    }

    private bool _disposed;

    /// <summary>The io_uring side, once an endpoint was bound on it (null before, and after <see cref="Dispose"/>).</summary>
    internal UringTransport? Transport
    {
        get
        {
            lock (_gate)
                return _transport;
        }
    }

    /// <summary>Stops the reactors (after Kestrel has unbound its listeners).</summary>
    public void Dispose()
    {
        UringTransport? transport;
        lock (_gate)
        {
            _disposed = true;
            transport = _transport;
            _transport = null;
        }
        transport?.Dispose();
    }
}
