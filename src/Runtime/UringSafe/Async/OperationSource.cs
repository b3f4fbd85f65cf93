using System.Threading.Tasks.Sources;
using UringSafe.Abi;

namespace UringSafe.Async;

/// <summary>
/// The pooled <see cref="IValueTaskSource{TResult}"/> behind one lend-and-return operation. It owns the operation
/// struct (and so the lent buffer) from submission to the final completion, and hands the buffer back only then.
/// One pool per reactor thread and operation type: steady state allocates nothing.
/// </summary>
internal sealed class OperationSource<TOp, TResult> : OperationSlot, IValueTaskSource<TResult>
    where TOp : struct, IUringOperation<TResult>
{
    [ThreadStatic] private static Stack<OperationSource<TOp, TResult>>? t_pool;

    private ManualResetValueTaskSourceCore<TResult> _core;
    private TOp _op;
    private UringReactor? _reactor;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;
    private TimeSpan _timeout;
    private IoUringOpcode _opcode;
    private int _fd;
    private bool _producesFd;

    public static OperationSource<TOp, TResult> Rent(UringReactor reactor)
    {
        var source = t_pool is { Count: > 0 } pool ? pool.Pop() : new OperationSource<TOp, TResult>();
        source._reactor = reactor;
        return source;
    }

    public short Version => _core.Version;

    public ref TOp Operation => ref _op;

    public void Start(in Sqe sqe, CancellationToken token, TimeSpan timeout)
    {
        _opcode = sqe.Opcode;
        _fd = (sqe.Flags & SqeFlags.FixedFile) != 0 ? -1 : sqe.Fd;
        _timeout = timeout;
        // open/accept/socket return a new fd unless they target a direct (registered) slot.
        _producesFd = sqe.Opcode is IoUringOpcode.OpenAt or IoUringOpcode.OpenAt2 or IoUringOpcode.Accept or IoUringOpcode.Socket
            && sqe.SpliceFdIn == 0;
        CancelRequested = false;
        _token = token;
        if (token.CanBeCanceled)
            _registration = token.UnsafeRegister(static s => ((OperationSource<TOp, TResult>)s!).OnTokenCancelled(), this);
    }

    private void OnTokenCancelled()
    {
        // May run on any thread. _registration.Dispose() at completion waits for this callback, so UserData is
        // still this operation's here; the reactor cancels by that value and a stale one finds nothing.
        _reactor!.RequestCancel(UserData);
    }

    internal override void OnCompletion(int result, CqeFlags flags, bool final)
    {
        if (!final)
            return; // multishot operations use their own slot types
        _registration.Dispose();
        _registration = default;
        if (result == -Errno.ETIME && _opcode == IoUringOpcode.Timeout)
            result = 0; // an expired timeout is the success of a Delay
        if (result >= 0 && _producesFd && CancelRequested && _token.IsCancellationRequested)
        {
            // The fd arrived after the caller cancelled: nobody will own it, so close it instead of leaking it.
            Tmds.Linux.LibC.close(result);
            _op.Release(-Errno.ECANCELED);
            _core.SetException(new UringOperationCanceledException(_opcode.ToString(), null, _token));
            return;
        }
        if (result >= 0)
        {
            TResult value;
            try
            {
                value = _op.Complete(result, flags);
            }
            catch (Exception e)
            {
                _core.SetException(e);
                return;
            }
            _core.SetResult(value);
            return;
        }
        object? buffer = _op.Release(result);
        string operation = _opcode.ToString();
        Exception error;
        bool cancelled = result is -Errno.ECANCELED or -Errno.EINTR;
        if (cancelled && _token.IsCancellationRequested)
            error = new UringOperationCanceledException(operation, buffer, _token);
        else if (cancelled && _timeout > TimeSpan.Zero && !CancelRequested)
            error = new UringTimeoutException(operation, _timeout, buffer);
        else
            error = MapError(-result, operation, buffer) ?? UringException.FromResult(result, _opcode, _fd, buffer);
        _core.SetException(error);
    }

    /// <summary>The operation's own exception for an error (ErrorMapper), or null. A mapper that throws fails the
    /// operation with what it threw rather than the reactor loop.</summary>
    private Exception? MapError(int errno, string operation, object? buffer)
    {
        try
        {
            return _op.MapError(errno, operation, _fd, buffer);
        }
        catch (Exception e)
        {
            return e;
        }
    }

    public TResult GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            _op = default;
            _token = default;
            _reactor = null;
            (t_pool ??= new Stack<OperationSource<TOp, TResult>>()).Push(this);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, Continuations.Adjust(_reactor, flags));
}
