using System.Threading.Tasks.Sources;
using UringSafe.Abi;
using UringSafe.Async;

namespace UringSafe.Net;

/// <summary>
/// The pooled completion source behind one socket operation (a hand-written <see cref="IUringOperation{TResult}"/>),
/// submitted through <see cref="UringReactor.SubmitMultishot(PreparedSlot)"/> so that it sees every completion:
/// a zero-copy send's first completion (the byte count, with F_MORE) and then its notification, which is the final
/// one and the moment the buffer comes back. Errors become <see cref="UringSocketException"/>s carrying the buffer;
/// cancellation through the token becomes <see cref="UringOperationCanceledException"/>. Steady state allocates nothing.
/// </summary>
internal sealed class SocketOperationSource<TOp, TResult> : PreparedSlot, IValueTaskSource<TResult>
    where TOp : struct, ISocketOperation<TResult>
{
    [ThreadStatic] private static Stack<SocketOperationSource<TOp, TResult>>? t_pool;

    private ManualResetValueTaskSourceCore<TResult> _core;
    private TOp _op;
    private UringReactor? _reactor;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;
    private string _operation = "";
    private int _firstResult;
    private CqeFlags _firstFlags;
    private bool _hasFirst;

    /// <summary>Submits <paramref name="operation"/> on the current reactor.</summary>
    public static ValueTask<TResult> Run(in TOp operation, string name, CancellationToken cancellationToken)
    {
        UringReactor reactor = UringReactor.Current;
        var source = t_pool is { Count: > 0 } pool ? pool.Pop() : new SocketOperationSource<TOp, TResult>();
        source._reactor = reactor;
        source._op = operation;
        source._operation = name;
        source._hasFirst = false;
        try
        {
            reactor.SubmitMultishot(source);
        }
        catch
        {
            source._op = default;
            source._reactor = null;
            (t_pool ??= new()).Push(source);
            throw;
        }
        source._token = cancellationToken;
        if (cancellationToken.CanBeCanceled)
            source._registration = cancellationToken.UnsafeRegister(static s => ((SocketOperationSource<TOp, TResult>)s!).OnTokenCancelled(), source);
        return new ValueTask<TResult>(source, source._core.Version);
    }

    internal override void Prepare(ref Sqe sqe, in OperationContext context) => _op.Prepare(ref sqe, context);

    private void OnTokenCancelled() => _reactor!.CancelSlot(UserData);

    internal override void OnCompletion(int result, CqeFlags flags, bool final)
    {
        if (!final)
        {
            // A zero-copy send's first completion: the byte count (or error). The buffer stays with the kernel
            // until the notification.
            if (!_hasFirst)
            {
                _hasFirst = true;
                _firstResult = result;
                _firstFlags = flags;
            }
            return;
        }
        if (_hasFirst && (flags & CqeFlags.Notification) != 0)
        {
            result = _firstResult;
            flags = _firstFlags;
        }
        if (result >= 0 && _op.TryContinue(result))
        {
            // More to do with the same lent buffer (a short send of a WriteAll): submit again, complete later.
            try
            {
                _hasFirst = false;
                _reactor!.SubmitMultishot(this);
                return;
            }
            catch (Exception e)
            {
                _registration.Dispose();
                _registration = default;
                object? lent = _op.Release(-Errno.ECANCELED);
                _core.SetException(new UringSocketException(Errno.ECANCELED, _operation + " (resubmit: " + e.Message + ")", lent));
                return;
            }
        }
        _registration.Dispose();
        _registration = default;
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
        bool cancelled = result is -Errno.ECANCELED or -Errno.EINTR;
        Exception error = cancelled && _token.IsCancellationRequested
            ? new UringOperationCanceledException(_operation, buffer, _token)
            : new UringSocketException(-result, _operation, buffer);
        _core.SetException(error);
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
            (t_pool ??= new()).Push(this);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, Continuations.Adjust(_reactor, flags));
}
