using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Raw.Ops;

namespace UringSafe.Net;

/// <summary>
/// A multishot recv over a provided-buffer group for one socket: every completion carries a kernel-picked buffer,
/// leased to the reader or queued (bounded) until one asks. When the group runs dry (ENOBUFS) it re-arms once a
/// buffer comes back; the end of the stream (0) is delivered as a lease without a buffer.
/// The bound is the kernel's to keep: a multishot recv drains the socket into the ring (up to 32 buffers per wake-up)
/// before a cancel can land, so each arming carries a byte limit (IORING_RECV_MSHOT_LIM, Linux 6.17: sqe->optlen), the
/// room left in the queue, and a full queue is not re-armed until the reader empties it. A slow reader holds at most
/// <see cref="MaxQueued"/> buffers' worth of bytes (in a few more buffers when a wake-up ends in a partly filled one).
/// Older kernels refuse the limit (EINVAL); there the cancel at a full queue is the bound, and it overshoots by what the
/// kernel took meanwhile (hundreds of buffers for a fast sender).
/// </summary>
internal sealed class MultishotReceiver : MultishotStream<ReceivedBuffer>
{
    /// <summary>Buffers a reader that does not keep up may have queued.</summary>
    internal const int MaxQueued = 64;

    private static volatile bool s_noByteLimit; // the kernel refused IORING_RECV_MSHOT_LIM once: arm without it

    private readonly ProvidedBufferPool _pool;
    private bool _limited; // the armed request carries a byte limit

    public MultishotReceiver(SharedFd socket, ProvidedBufferPool pool) : base(pool.Reactor, socket, MaxQueued)
        => _pool = pool;

    public ProvidedBufferPool Pool => _pool;

    protected override bool CanArm
    {
        get
        {
            if (_pool.IsDisposed || Queued >= MaxQueued)
                return false; // a full queue: armed again once the reader has emptied it
            if (_pool.Available > 0 || _pool.TryGrow())
                return true;
            _pool.WaitForBuffers(this);
            return false;
        }
    }

    protected override void PrepareArm(ref Sqe sqe)
    {
        sqe = new RecvMultishot(UringSafe.Raw.FileRef.Fd(Fd!.Raw), _pool.GroupId).Build();
        _limited = !s_noByteLimit;
        if (_limited)
            sqe.SpliceFdIn = (MaxQueued - Queued) * _pool.BufferSize; // optlen: the kernel ends the request after this many bytes
        _pool.ArmedReceivers++;
    }

    /// <summary>A buffer went back to the ring after an ENOBUFS: receive again.</summary>
    internal void OnBuffersAvailable() => Resume();

    protected override Outcome Classify(int result, CqeFlags flags, out ReceivedBuffer item)
    {
        item = default;
        if ((flags & CqeFlags.More) == 0)
            _pool.ArmedReceivers--;
        if ((flags & CqeFlags.Buffer) != 0)
        {
            ReceivedBuffer lease = _pool.Take((ushort)((uint)flags >> 16), Math.Max(result, 0));
            if (result > 0)
            {
                item = lease;
                return Outcome.Item;
            }
            lease.Return();
        }
        if (result == 0)
            return Outcome.End;
        if (result > 0)
            return Outcome.Nothing;
        if (-result == Errno.EINVAL && _limited && (flags & CqeFlags.More) == 0)
        {
            s_noByteLimit = true; // a kernel before 6.17: re-armed without the limit after this final completion
            return Outcome.Nothing;
        }
        return -result switch
        {
            SocketErrors.ENOBUFS => WaitForBuffers(),
            SocketErrors.ECANCELED => Outcome.Nothing, // we paused or stopped it, or the fd is closing
            _ => Outcome.Fault,
        };
    }

    /// <summary>The ring ran dry and the kernel ended the receive; the data waits in the socket. Grow the pool and
    /// re-arm at once, or wait until a buffer comes back.</summary>
    private Outcome WaitForBuffers()
    {
        if (_pool.TryGrow() || _pool.Available > 0)
            return Outcome.Nothing; // re-armed after this final completion
        _pool.WaitForBuffers(this);
        return Outcome.Later;
    }

    protected override void Discard(ReceivedBuffer item) => item.Return();

    protected override Exception FaultFor(int errno) => new UringSocketException(errno, "RecvMultishot");

    protected override Exception? StoppedError(bool pending) => null; // a stopped or closed stream reads as its end

    protected override void OnStopping() => _pool.StopWaiting(this);
}
