using UringSafe.Async;

namespace UringSafe.Net;

/// <summary>
/// A <see cref="Stream"/> over a connected <see cref="UringSocketStream"/>, for APIs that take a Stream (SslStream,
/// StreamReader, CopyToAsync...). Reads receive straight into the caller's memory and writes send straight from it
/// (pinned for the operation, no intermediate copy). Asynchronous only, on the reactor thread: a synchronous Read or
/// Write would block the very thread that completes it, so they throw <see cref="NotSupportedException"/>.
/// </summary>
public sealed class UringNetworkStream : Stream
{
    private readonly UringSocketStream _socket;
    private readonly bool _ownsSocket;
    private bool _disposed;

    /// <summary>Wraps <paramref name="socket"/>; with <paramref name="ownsSocket"/> disposing the stream closes it.</summary>
    public UringNetworkStream(UringSocketStream socket, bool ownsSocket = true)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _socket = socket;
        _ownsSocket = ownsSocket;
    }

    /// <summary>The socket underneath.</summary>
    public UringSocketStream Socket => _socket;

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanWrite => !_disposed;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException("A network stream has no length.");

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException("A network stream has no position.");
        set => throw new NotSupportedException("A network stream has no position.");
    }

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync([Lends] Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
            return 0;
        int n;
        (n, buffer) = await _socket.ReadAsync(buffer, cancellationToken);
        return n;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync([Lends] byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override async ValueTask WriteAsync([Lends] ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!buffer.IsEmpty)
            (_, buffer) = await _socket.WriteAllAsync(buffer, cancellationToken);
    }

    /// <inheritdoc/>
    public override Task WriteAsync([Lends] byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw SyncNotSupported();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw SyncNotSupported();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A network stream cannot seek.");

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException("A network stream has no length.");

    private static NotSupportedException SyncNotSupported() => new(
        "UringNetworkStream is asynchronous only: a synchronous call on the reactor thread would block the loop that completes it. Use ReadAsync/WriteAsync.");

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_ownsSocket)
            await _socket.CloseAsync();
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (_ownsSocket)
                _socket.Dispose();
        }
        base.Dispose(disposing);
    }
}
