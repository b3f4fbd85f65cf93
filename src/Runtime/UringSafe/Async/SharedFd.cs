using UringSafe.Abi;
using UringSafe.Raw;

namespace UringSafe.Async;

/// <summary>
/// The one owner of a file descriptor that io_uring operations name, in the spirit of tokio-uring's <c>SharedFd</c>
/// and .NET's <see cref="System.Runtime.InteropServices.SafeHandle"/>. Every operation in flight on it holds a
/// reference (taken by the reactor's submit path, dropped after the final completion). <see cref="Close"/>:
/// <list type="number">
/// <item>refuses new operations (they get <see cref="ObjectDisposedException"/>);</item>
/// <item>cancels the operations pending on the descriptor (IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL);</item>
/// <item>lets them complete, so their buffers come back;</item>
/// <item>only then closes the number (and empties its registered-file slot).</item>
/// </list>
/// So a number that a queued or in-flight SQE names is never closed, and can't be reused under it by the next
/// <c>open</c>. Close never throws because the ring is full. It is bound to the reactor it is first used on;
/// <see cref="Close"/> may be called from any thread (it is carried out on that reactor).
/// </summary>
public sealed class SharedFd
{
    private readonly string _description;
    private UringReactor? _reactor;
    private int _fd;
    private int _refs;
    private int _fixedIndex = -1;
    private volatile bool _closing;
    private volatile bool _closed;
    private int _closeOnce; // CloseNumber runs once, even when a thread closes it while its reactor ends
    private TaskCompletionSource? _closedSignal;

    /// <summary>Takes ownership of <paramref name="fd"/>; <paramref name="description"/> names it in errors
    /// (a path, or an endpoint).</summary>
    public SharedFd(int fd, string description)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        _fd = fd;
        _description = description;
        _reactor = UringReactor.CurrentOrNull;
    }

    /// <summary>What the descriptor is (a path and how it was opened, a socket's endpoints), for messages: errors of
    /// operations on it name it.</summary>
    public string Description => Context?.Describe() ?? _description;

    /// <summary>The owner's view of the descriptor, read only when a message is written (see <see cref="IFdContext"/>).</summary>
    internal IFdContext? Context { get; set; }

    /// <summary>Names this descriptor on <paramref name="error"/> (an error of <paramref name="opcode"/> with
    /// <paramref name="errno"/> on it), with the owner's advice when it has some: every operation's error says which
    /// file or socket failed.</summary>
    internal Exception WithContext(Exception error, IoUringOpcode opcode, int errno)
    {
        if (error is IErrorTarget target)
            target.Attach(Description, Context?.HintFor(opcode, errno));
        return error;
    }

    /// <summary>The descriptor's number, or -1 once closed. Don't close it yourself.</summary>
    public int Number => _closed ? -1 : _fd;

    /// <summary>True once <see cref="Close"/> was called: no new operation may start on it.</summary>
    public bool IsClosing => _closing;

    /// <summary>True once the number itself was closed.</summary>
    public bool IsClosed => _closed;

    /// <summary>Operations in flight that hold it.</summary>
    public int References => Volatile.Read(ref _refs);

    /// <summary>The number, or throws <see cref="DescriptorClosedException"/> once closing.</summary>
    public int Value
    {
        get
        {
            if (_closing)
                ThrowClosed();
            return _fd;
        }
    }

    /// <summary>What an SQE should name on <paramref name="reactor"/>: the registered index there, else the number.
    /// Not checked: an operation started with this owner is refused (with its buffer) once the owner is closing.</summary>
    public FileRef RefOn(UringReactor? reactor)
    {
        return _fixedIndex >= 0 && reactor is not null && ReferenceEquals(reactor, _reactor) ? FileRef.Fixed(_fixedIndex) : FileRef.Fd(_fd);
    }

    /// <summary>What an SQE names on the reactor the descriptor is bound to: the registered index, else the number. The
    /// submit path has bound it (<see cref="TryUseOn"/>, which refuses any other reactor) before an operation prepares,
    /// so this needs no lookup of the current reactor.</summary>
    internal FileRef Ref => _fixedIndex >= 0 ? FileRef.Fixed(_fixedIndex) : FileRef.Fd(_fd);

    /// <summary>The registered-file index on its reactor's ring, or -1.</summary>
    public int FixedIndex => _fixedIndex;

    /// <summary>Registers the descriptor in <paramref name="reactor"/>'s file table (IOSQE_FIXED_FILE); the slot is
    /// emptied when the number is closed.</summary>
    public void Register(UringReactor reactor)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        if (!TryUseOn(reactor))
            ThrowClosed();
        if (_fixedIndex >= 0)
            return;
        _reactor = reactor;
        _fixedIndex = reactor.RegisterFile(_fd);
    }

    private void ThrowClosed() => throw new DescriptorClosedException(Description, null);

    /// <summary>The number as SQEs name it, unchecked: the submit path checks <see cref="IsClosing"/> before anything
    /// is queued, and refuses the operation with its buffer.</summary>
    internal int Raw => _fd;

    /// <summary>Checks, before submission, that an operation may use the descriptor on <paramref name="reactor"/>
    /// (false once closing; throws when it belongs to another reactor).</summary>
    internal bool TryUseOn(UringReactor reactor)
    {
        if (_closing)
            return false;
        _reactor ??= reactor;
        if (!ReferenceEquals(_reactor, reactor))
            throw new InvalidOperationException($"'{Description}' belongs to reactor {_reactor.Id}; use it from work running on that reactor (this is reactor {reactor.Id}).");
        return true;
    }

    /// <summary>An operation naming the descriptor was submitted (reactor thread).</summary>
    internal void AddRef() => _refs++;

    /// <summary>An operation's final completion arrived (reactor thread). The last one out after a close closes the number.</summary>
    internal void Release()
    {
        if (--_refs == 0 && _closing)
            CloseNumber();
    }

    /// <summary>
    /// Closes the descriptor once no operation uses it: pending operations are cancelled and finish first. Returns at
    /// once; idempotent; safe from any thread; never throws because the ring is busy.
    /// </summary>
    public void Close()
    {
        UringReactor? reactor = _reactor;
        if (reactor is not null && !reactor.IsOnReactorThread && reactor.TryPost(static s => ((SharedFd)s!).CloseOnOwner(), this))
            return; // carried out on the reactor; it runs even if the reactor is ending (its drain runs accepted posts)
        CloseOnOwner(); // on the reactor, or after it ended (its operations completed or were abandoned)
    }

    /// <summary>As <see cref="Close"/>, completing once the number is closed (after the pending operations completed).</summary>
    public Task CloseAsync()
    {
        if (_closed)
            return Task.CompletedTask;
        Interlocked.CompareExchange(ref _closedSignal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);
        Close();
        if (_closed)
            _closedSignal.TrySetResult();
        return _closedSignal.Task;
    }

    private void CloseOnOwner()
    {
        if (_closing)
            return;
        _closing = true;
        if (_refs == 0)
        {
            CloseNumber();
            return;
        }
        // Operations are in flight: cancel them; the last final completion closes the number (Release). If the
        // reactor is gone, they were abandoned with it and the kernel may still use the number: it stays open.
        _reactor?.CancelFd(_fd, _fixedIndex);
    }

    private void CloseNumber()
    {
        if (Interlocked.Exchange(ref _closeOnce, 1) != 0)
            return;
        if (_fixedIndex >= 0 && _reactor is { IsDisposed: false } r && r.IsOnReactorThread)
        {
            try
            {
                r.UnregisterFile(_fixedIndex);
            }
            catch (UringException)
            {
                // the slot stays filled until the ring goes; closing the number must not fail because of it
            }
        }
        _fixedIndex = -1;
        CloseOrphan(_fd);
        _closed = true;
        Interlocked.MemoryBarrier(); // pairs with CloseAsync: it publishes its signal, then reads _closed
        _closedSignal?.TrySetResult();
    }

    /// <summary>
    /// Closes a descriptor nobody owns: one an operation produced after its awaiter was cancelled, a connection that
    /// arrived after its listener stopped, a socket whose setup failed before it was wrapped. The one close(2) of the
    /// async layer besides <see cref="CloseNumber"/>.
    /// </summary>
    internal static void CloseOrphan(int fd)
    {
        if (fd < 0)
            return;
        UringReactor.CurrentOrNull?.ForgetFd(fd); // the userspace ring drops its epoll entry before the number can be reused
        Tmds.Linux.LibC.close(fd);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Description} (fd {_fd}{(_closed ? ", closed" : _closing ? ", closing" : "")}, {_refs} in flight)";
}
