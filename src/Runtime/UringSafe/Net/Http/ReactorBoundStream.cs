using System.Net.Sockets;
using UringSafe.Async;
using static Tmds.Linux.LibC;

namespace UringSafe.Net.Http;

/// <summary>
/// A <see cref="Stream"/> over a TCP connection that lives on one reactor, callable from any thread (SocketsHttpHandler
/// and SslStream call it from the thread pool). A read or write first tries one non-blocking recv/send on the calling
/// thread, as .NET's sockets do; what cannot complete at once goes to the owning reactor as a lend-and-return operation
/// on the caller's memory (<see cref="ReactorCall"/>), pinned until its final completion: the caller gets control back,
/// after success, error or cancellation, only when the kernel is done with its memory.
/// <para>
/// Errors look like <see cref="NetworkStream"/>'s: an <see cref="IOException"/> whose inner exception is the
/// <see cref="SocketException"/> (a <see cref="UringSocketException"/> naming the socket and the errno).
/// </para>
/// </summary>
internal sealed class ReactorBoundStream : Stream
{
    private const int Closing = int.MinValue; // high bit of _state; the low bits count inline syscalls in progress

    private readonly UringTcpStream _socket;
    private readonly UringReactor _reactor;
    private readonly Action _onClosed;
    private readonly ReactorCall _read;
    private readonly ReactorCall _write;
    private int _state;

    public ReactorBoundStream(UringTcpStream socket, UringReactor reactor, Action onClosed)
    {
        _socket = socket;
        _reactor = reactor;
        _onClosed = onClosed;
        _read = new ReactorCall(socket, reactor, write: false);
        _write = new ReactorCall(socket, reactor, write: true);
    }

    /// <summary>The reactor the connection lives on.</summary>
    public UringReactor Reactor => _reactor;

    public override bool CanRead => _state >= 0;

    public override bool CanWrite => _state >= 0;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException("A network stream has no length.");

    public override long Position
    {
        get => throw new NotSupportedException("A network stream has no position.");
        set => throw new NotSupportedException("A network stream has no position.");
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<int>(cancellationToken);
        if (buffer.IsEmpty)
            return _state < 0 ? ValueTask.FromException<int>(Disposed()) : ValueTask.FromResult(0);
        if (_readInline || _read.LastFilled)
        {
            int n = TryInline(buffer, write: false);
            if (n >= 0)
            {
                _readInline = n == buffer.Length;
                return ValueTask.FromResult(n);
            }
            if (n == InlineClosed)
                return ValueTask.FromException<int>(Disposed());
        }
        else if (_state < 0)
        {
            return ValueTask.FromException<int>(Disposed());
        }
        // Data is not there yet (a response just asked for, most often): wait on the reactor. The next read tries
        // inline again only if this one fills the buffer, since more is then likely queued already.
        _readInline = false;
        return _read.Start(buffer, cancellationToken);
    }

    private bool _readInline; // the last inline read filled the buffer

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled(cancellationToken);
        int sent = 0;
        while (sent < buffer.Length)
        {
            int n = TryInline(System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer[sent..]), write: true);
            if (n == InlineClosed)
                return ValueTask.FromException(Disposed());
            if (n < 0)
                return _write.StartWrite(System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer[sent..]), cancellationToken);
            sent += n;
        }
        return default;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private const int WouldBlock = -1, InlineClosed = -2;

    /// <summary>One non-blocking recv/send on the calling thread: the byte count, <see cref="WouldBlock"/>, or
    /// <see cref="InlineClosed"/>. The state's count keeps the number open meanwhile (Dispose closes it after).</summary>
    private unsafe int TryInline(Memory<byte> memory, bool write)
    {
        int s;
        do
        {
            s = Volatile.Read(ref _state);
            if (s < 0)
                return InlineClosed;
        }
        while (Interlocked.CompareExchange(ref _state, s + 1, s) != s);
        try
        {
            using System.Buffers.MemoryHandle pin = memory.Pin();
            while (true)
            {
                long n = write
                    ? send(_socket.Fd, pin.Pointer, memory.Length, MSG_DONTWAIT | MSG_NOSIGNAL)
                    : recv(_socket.Fd, pin.Pointer, memory.Length, MSG_DONTWAIT);
                if (n >= 0)
                    return (int)n;
                int e = errno;
                if (e == EINTR)
                    continue;
                if (e == EAGAIN)
                    return WouldBlock;
                var error = new UringSocketException(e, write ? "Send" : "Recv");
                ((IErrorTarget)error).Attach(_socket.SharedFd.Description, null);
                throw ReactorCall.AsIOException(error, write);
            }
        }
        finally
        {
            if (Interlocked.Decrement(ref _state) == Closing)
                CloseSocket(); // the last inline call after a Dispose closes
        }
    }

    private ObjectDisposedException Disposed() => new(nameof(ReactorBoundStream), "The connection's stream was disposed.");

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    // HttpClient.Send (synchronous) reads and writes through these. The operations run on the stream's reactor, never on
    // the calling thread, so waiting is safe off the reactors; on a reactor thread it would stop that reactor, so it is
    // refused there.
#pragma warning disable UR0008 // the wait happens off the reactor (checked), and the operation runs on the reactor
    public override int Read(byte[] buffer, int offset, int count)
    {
        ThrowIfOnAReactor();
        return ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ThrowIfOnAReactor();
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    }
#pragma warning restore UR0008

    private static void ThrowIfOnAReactor()
    {
        if (UringReactor.CurrentOrNull is not null)
            throw new InvalidOperationException("A synchronous read or write of an HttpClient connection on a reactor thread would block that reactor: use the async API (SendAsync) there.");
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A network stream cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("A network stream has no length.");

    protected override void Dispose(bool disposing)
    {
        int s = Interlocked.Or(ref _state, Closing);
        if (s == 0)
            CloseSocket();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return default;
    }

    /// <summary>Once, after the last inline call: the socket's owner cancels the reactor operations still pending, and
    /// closes the number after their final completions (their memory is back by then).</summary>
    private void CloseSocket()
    {
        _socket.Dispose();
        _onClosed();
    }
}
