using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Raw;
using UringSafe.Raw.Ops;

namespace UringSafe.Net;

/// <summary>
/// A listener's multishot accept (IORING_ACCEPT_MULTISHOT) and the bounded queue of connections nobody has asked for
/// yet. Accept errors such as EMFILE back off (the listener reports them) and accepting resumes afterwards; a
/// connection that arrives after the listener stopped is closed, never leaked.
/// </summary>
internal sealed class MultishotAcceptor : MultishotStream<int>
{
    private readonly UringSocketListener _listener;
    private CancellationTokenSource? _closing;

    public MultishotAcceptor(UringSocketListener listener, SharedFd socket)
        : base(listener.Reactor, socket, listener.Options.MaxPendingAccepts)
        => _listener = listener;

    public void Start() => TryArm();

    protected override void PrepareArm(ref Sqe sqe)
        => sqe = new AcceptMultishot(FileRef.Fd(Fd!.Raw)).AcceptFlags(SockAddr.SockCloexec).Build();

    protected override Outcome Classify(int result, CqeFlags flags, out int item)
    {
        item = result;
        if (result >= 0)
        {
            _listener.OnAcceptSuccess();
            return Outcome.Item;
        }
        int errno = -result;
        if (errno == SocketErrors.ECANCELED)
            return Outcome.Nothing; // paused, stopped, closing, or reactor shutdown: a later accept re-arms
        if (!UringSocketListener.IsTransient(errno))
            return Outcome.Fault;
        _ = BackoffAsync(_listener.OnAcceptError(errno));
        return Outcome.Later;
    }

    private async Task BackoffAsync(TimeSpan delay)
    {
        _closing ??= new CancellationTokenSource();
        try
        {
            await Reactor.Delay(delay, _closing.Token);
        }
        catch (Exception)
        {
            // stopped (cancelled) or the reactor is going away
        }
        Resume();
    }

    protected override void Discard(int item) => SharedFd.CloseOrphan(item);

    protected override Exception FaultFor(int errno) => new UringSocketException(errno, "AcceptMultishot");

    protected override Exception? StoppedError(bool pending)
        => new ObjectDisposedException(_listener.GetType().Name, pending
            ? "The listener was closed while an accept was pending."
            : UringSocketListener.ClosedMessage);

    protected override void OnStopping() => _closing?.Cancel();
}
