using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using UringSafe.Async;
using UringSafe.Buffers;

namespace UringSafe.Net.Http;

/// <summary>
/// One direction (read or write) of a <see cref="ReactorBoundStream"/>, carried to the owning reactor: posted there, it
/// lends the caller's memory to a recv (or a send-all), and completes the caller's task when the operation's final
/// completion hands the memory back. The caller's continuation runs on the thread pool, never on the reactor. Reused
/// for every call (a Stream has at most one read and one write pending), so the hop allocates nothing.
/// </summary>
internal sealed class ReactorCall : IValueTaskSource<int>, IValueTaskSource
{
    private static readonly SendOrPostCallback s_run = static s => ((ReactorCall)s!).RunOnReactor();

    private readonly UringTcpStream _socket;
    private readonly UringReactor _reactor;
    private readonly bool _write;
    private readonly Action _onDone;
    private ManualResetValueTaskSourceCore<int> _core = new() { RunContinuationsAsynchronously = true };
    private Memory<byte> _memory;
    private CancellationToken _token;
    private ValueTaskAwaiter<IoResult<Memory<byte>>> _readAwaiter;
    private ValueTaskAwaiter<IoResult<ReadOnlyMemory<byte>>> _writeAwaiter;

    public ReactorCall(UringTcpStream socket, UringReactor reactor, bool write)
    {
        _socket = socket;
        _reactor = reactor;
        _write = write;
        _onDone = OnDone;
    }

    /// <summary>The last call transferred the whole of its memory (a read that filled it: more may be queued).</summary>
    public bool LastFilled { get; private set; }

    /// <summary>Starts the call from any thread; the task completes on the thread pool.</summary>
    public ValueTask<int> Start(Memory<byte> memory, CancellationToken token)
    {
        _core.Reset();
        LastFilled = false;
        _memory = memory;
        _token = token;
        if (!_reactor.TryPost(s_run, this))
            _core.SetException(new IOException($"The connection's reactor {_reactor.Id} was shut down (its UringExecutor was disposed).",
                _reactor.ShutdownError(_write ? "Send" : "Recv", _socket.Fd, null)));
        return new ValueTask<int>(this, _core.Version);
    }

    /// <summary>As <see cref="Start"/>, for a write (no result).</summary>
    public ValueTask StartWrite(Memory<byte> memory, CancellationToken token)
    {
        _ = Start(memory, token);
        return new ValueTask(this, _core.Version);
    }

    private void RunOnReactor()
    {
        try
        {
            // The memory is lent here and handed back at the final completion (OnDone): the caller's task cannot
            // complete before, so the caller cannot reuse it while the kernel may still write (or read) it.
            if (_write)
                _writeAwaiter = _socket.WriteAllAsync((ReadOnlyMemory<byte>)_memory, _token).GetAwaiter();
            else
                _readAwaiter = _socket.ReadAsync(_memory, _token).GetAwaiter();
        }
        catch (Exception e)
        {
            Fail(e);
            return;
        }
        if (_write ? _writeAwaiter.IsCompleted : _readAwaiter.IsCompleted)
            OnDone();
        else if (_write)
            _writeAwaiter.UnsafeOnCompleted(_onDone);
        else
            _readAwaiter.UnsafeOnCompleted(_onDone);
    }

    private void OnDone()
    {
        int n;
        try
        {
            n = _write ? _writeAwaiter.GetResult().Result : _readAwaiter.GetResult().Result;
        }
        catch (Exception e)
        {
            Fail(e);
            return;
        }
        finally
        {
            _readAwaiter = default;
            _writeAwaiter = default;
        }
        LastFilled = n == _memory.Length;
        _memory = default;
        _core.SetResult(n);
    }

    private void Fail(Exception e)
    {
        _memory = default;
        _core.SetException(e switch
        {
            OperationCanceledException when _token.IsCancellationRequested => new OperationCanceledException(e.Message, e, _token),
            UringSocketException s => AsIOException(s, _write),
            UringException u => new IOException(Prefix(_write) + u.Message, u),
            _ => e,
        });
    }

    private static string Prefix(bool write) => write
        ? "Unable to write data to the transport connection: "
        : "Unable to read data from the transport connection: ";

    /// <summary>A socket error as <see cref="System.Net.Sockets.NetworkStream"/> reports it: an <see cref="IOException"/> around the
    /// <see cref="System.Net.Sockets.SocketException"/>.</summary>
    public static IOException AsIOException(UringSocketException error, bool write) => new(Prefix(write) + error.Message, error);

    int IValueTaskSource<int>.GetResult(short token) => _core.GetResult(token);

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
