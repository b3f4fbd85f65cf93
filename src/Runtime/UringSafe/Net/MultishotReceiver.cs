using System.Threading.Tasks.Sources;
using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Raw.Ops;

namespace UringSafe.Net;

/// <summary>
/// A multishot recv over a provided-buffer group for one socket: every completion carries a kernel-picked buffer,
/// leased to the awaiting reader or queued (bounded) until one asks. Re-armed when the kernel ends it (ENOBUFS:
/// once a buffer comes back; anything else but a cancel or an error: at once).
/// </summary>
internal sealed class MultishotReceiver : OperationSlot, IValueTaskSource<ReceivedBuffer>
{
    private const int MaxQueued = 64;

    private readonly UringSocketStream _stream;
    private readonly ProvidedBufferPool _pool;
    private readonly Queue<ReceivedBuffer> _queue = new();
    private ManualResetValueTaskSourceCore<ReceivedBuffer> _core;
    private CancellationTokenRegistration _registration;
    private CancellationToken _token;
    private bool _armed;
    private bool _waiting;
    private bool _paused;
    private bool _eof;
    private bool _stopped;
    private int _error;

    public MultishotReceiver(UringSocketStream stream, ProvidedBufferPool pool)
    {
        _stream = stream;
        _pool = pool;
    }

    public ProvidedBufferPool Pool => _pool;

    public bool IsArmed => _armed;

    public ValueTask<ReceivedBuffer> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (_waiting)
            throw new InvalidOperationException("A receive is already pending on this stream; await it before starting another.");
        if (_queue.TryDequeue(out ReceivedBuffer ready))
        {
            if (_paused && _queue.Count < MaxQueued / 2)
            {
                _paused = false;
                Arm();
            }
            return new ValueTask<ReceivedBuffer>(ready);
        }
        if (_error != 0)
            return ValueTask.FromException<ReceivedBuffer>(new UringSocketException(_error, "RecvMultishot"));
        if (_eof || _stopped)
            return new ValueTask<ReceivedBuffer>(default(ReceivedBuffer));
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<ReceivedBuffer>(cancellationToken);
        _paused = false;
        Arm();
        _waiting = true;
        _token = cancellationToken;
        if (cancellationToken.CanBeCanceled)
            _registration = cancellationToken.UnsafeRegister(static s => ((MultishotReceiver)s!).OnTokenCancelled(), this);
        return new ValueTask<ReceivedBuffer>(this, _core.Version);
    }

    private void Arm()
    {
        if (_armed || _eof || _stopped || _error != 0 || _pool.IsDisposed)
            return;
        if (_pool.Available == 0)
        {
            _pool.WaitForBuffers(this);
            return;
        }
        _pool.Reactor.SubmitMultishot(this, new RecvMultishot(_stream.FileRef, _pool.GroupId).Build());
        _armed = true;
        _pool.ArmedReceivers++;
    }

    internal void OnBuffersAvailable()
    {
        if (!_armed && (_waiting || (_queue.Count == 0 && !_paused)))
            Arm();
    }

    private void OnTokenCancelled()
    {
        var reactor = _pool.Reactor;
        short version = _core.Version;
        reactor.Post(static s =>
        {
            var (self, v) = ((MultishotReceiver, short))s!;
            if (self._waiting && self._core.Version == v)
            {
                self._waiting = false;
                self._registration = default;
                self._core.SetException(new OperationCanceledException("The receive was cancelled; data that arrives later is kept for the next receive.", self._token));
            }
        }, (this, version));
    }

    /// <summary>Stops receiving: cancels the multishot and hands queued buffers back.</summary>
    public void Stop()
    {
        _stopped = true;
        _pool.StopWaiting(this);
        if (_armed)
            _pool.Reactor.CancelSlot(UserData);
        while (_queue.TryDequeue(out ReceivedBuffer b))
            b.Return();
        Deliver(default);
    }

    internal override void OnCompletion(int result, CqeFlags flags, bool final)
    {
        if (final)
        {
            _armed = false;
            _pool.ArmedReceivers--;
        }
        if ((flags & CqeFlags.Buffer) != 0)
        {
            ReceivedBuffer lease = _pool.Take((ushort)((uint)flags >> 16), Math.Max(result, 0));
            if (result > 0 && !_stopped)
            {
                Deliver(lease);
                if (_queue.Count >= MaxQueued && !_paused && _armed)
                {
                    _paused = true; // nobody reads: stop taking the group's buffers until the queue drains
                    _pool.Reactor.CancelSlot(UserData);
                }
            }
            else
            {
                lease.Return();
            }
        }
        if (result == 0)
        {
            _eof = true;
            Deliver(default);
            return;
        }
        if (result < 0)
        {
            int errno = -result;
            if (errno == SocketErrors.ENOBUFS)
            {
                // The group ran dry: re-arm when a buffer comes back (or now, if one already has).
                if (_pool.Available > 0 && _waiting)
                    Arm();
                else if (!_stopped)
                    _pool.WaitForBuffers(this);
                return;
            }
            if (errno == SocketErrors.ECANCELED)
                return; // we stopped or paused it, or the reactor is shutting down: a later receive re-arms
            _error = errno;
            if (_waiting)
            {
                _waiting = false;
                _registration.Dispose();
                _registration = default;
                _core.SetException(new UringSocketException(errno, "RecvMultishot"));
            }
            return;
        }
        if (final && !_stopped && !_paused && !_eof)
            Arm(); // the kernel ended the multishot (for instance on a CQ overflow): keep going
    }

    private void Deliver(ReceivedBuffer lease)
    {
        if (_waiting)
        {
            _waiting = false;
            _registration.Dispose();
            _registration = default;
            _core.SetResult(lease);
        }
        else if (!lease.IsEndOfStream)
        {
            _queue.Enqueue(lease);
        }
    }

    public ReceivedBuffer GetResult(short token)
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
        => _core.OnCompleted(continuation, state, token, Continuations.Adjust(_pool.Reactor, flags));
}
