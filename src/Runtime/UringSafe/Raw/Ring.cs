using System.Runtime.InteropServices;
using UringSafe.Abi;
using UringSafe.Interop;
using static Tmds.Linux.LibC;

namespace UringSafe.Raw;

/// <summary>
/// One io_uring instance: the submission and completion rings mapped into this process.
/// The raw layer: you fill SQEs (with the builders in <see cref="Ops"/>), submit, and read CQEs.
/// Not thread-safe; use one ring per thread, as liburing does.
/// </summary>
/// <remarks>
/// <para>Dispose with operations in flight: the ring first asks the kernel to cancel every request
/// (IORING_REGISTER_SYNC_CANCEL, bounded by <see cref="RingOptions.DisposeCancelTimeout"/>), then unmaps and
/// closes. Unmapping the rings is always safe because the kernel holds its own reference to ring memory.
/// Memory you lent to a request (buffers, iovecs, sockaddrs) is yours: keep it alive until its completion
/// has been seen or the ring has been disposed and its cancel finished. The async layer does this for you.</para>
/// </remarks>
public sealed unsafe partial class Ring : IDisposable
{
    private readonly int _ringFd;
    private readonly SetupFlags _flags;
    private readonly TimeSpan _disposeCancelTimeout;
    private int _enterFd;          // the registered index when the ring fd is registered, else _ringFd
    private EnterFlags _enterFlags; // RegisteredRing when registered
    private bool _disposed;
    private int _ringFdRegisteredOnThread;

    // Mappings (sizes kept for munmap).
    private readonly void* _sqRingPtr;
    private readonly nuint _sqRingSize;
    private readonly void* _cqRingPtr;
    private readonly nuint _cqRingSize;
    private readonly void* _sqesPtr;
    private readonly nuint _sqesSize;

    /// <summary>Creates a ring with <paramref name="entries"/> SQ entries and default options.</summary>
    public Ring(uint entries = 256) : this(new RingOptions { Entries = entries })
    {
    }

    /// <summary>Creates a ring. Throws <see cref="UringUnavailableException"/> when io_uring can't be used here.</summary>
    public Ring(RingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!OperatingSystem.IsLinux())
            throw new UringUnavailableException("io_uring exists only on Linux; this process runs on " + RuntimeInformation.OSDescription + ".");

        RingParams p = default;
        p.Flags = options.Flags;
        if (options.CompletionEntries != 0)
        {
            p.Flags |= SetupFlags.CqSize;
            p.CqEntries = options.CompletionEntries;
        }
        if ((options.Flags & SetupFlags.SqPoll) != 0)
        {
            p.SqThreadIdle = options.SqPollIdleMilliseconds;
            if (options.SqPollCpu is int cpu)
            {
                p.Flags |= SetupFlags.SqAff;
                p.SqThreadCpu = (uint)cpu;
            }
        }

        int fd = IoUringSyscalls.Setup(options.Entries, &p);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            GC.SuppressFinalize(this);   // no descriptor is ours: the finalizer would close number 0, someone else's
            if (errno == Errno.EINVAL && options.Entries is 0 or > 32768)
                throw new ArgumentOutOfRangeException(nameof(options), options.Entries, "Entries must be between 1 and 32768.");
            throw errno is Errno.ENOSYS or Errno.EPERM or Errno.ENOMEM or Errno.EINVAL
                ? new UringUnavailableException(errno)
                : new UringException(errno, "io_uring_setup");
        }

        _ringFd = fd;
        _enterFd = fd;
        _flags = p.Flags;
        _disposeCancelTimeout = options.DisposeCancelTimeout;
        Features = p.Features;
        SqEntries = p.SqEntries;
        CqEntries = p.CqEntries;
        try
        {
            uint cqeSize = (uint)((p.Flags & SetupFlags.Cqe32) != 0 ? 32 : 16);
            nuint sqSize = (p.Flags & SetupFlags.NoSqArray) != 0 ? 0 : p.SqOff.Array + p.SqEntries * sizeof(uint);
            nuint cqSize = p.CqOff.Cqes + p.CqEntries * cqeSize;
            bool single = (p.Features & RingFeatures.SingleMmap) != 0;
            if (single)
                sqSize = cqSize = Math.Max(sqSize, cqSize);

            _sqRingPtr = Map(sqSize, 0);
            _sqRingSize = sqSize;
            if (single)
            {
                _cqRingPtr = _sqRingPtr;
                _cqRingSize = 0; // shares the SQ mapping
            }
            else
            {
                _cqRingPtr = Map(cqSize, 0x8000000);
                _cqRingSize = cqSize;
            }
            uint sqeSize = (uint)((p.Flags & SetupFlags.Sqe128) != 0 ? 128 : 64);
            _sqesSize = p.SqEntries * sqeSize;
            _sqesPtr = Map(_sqesSize, 0x10000000);

            InitSubmission(in p);
            InitCompletion(in p);

            if (options.RegisterRingFd)
                RegisterRingFd();
        }
        catch
        {
            Unmap();
            close(_ringFd);
            GC.SuppressFinalize(this);   // closed here: the finalizer would close the number again, maybe reused by then
            throw;
        }
    }

    /// <summary>The features the kernel reported (IORING_FEAT_*).</summary>
    public RingFeatures Features { get; }

    /// <summary>The setup flags in force.</summary>
    public SetupFlags SetupFlags => _flags;

    /// <summary>Submission queue size.</summary>
    public uint SqEntries { get; }

    /// <summary>Completion queue size.</summary>
    public uint CqEntries { get; }

    /// <summary>The ring's file descriptor (for MSG_RING targets and eventfd pairing).</summary>
    public int RingFd
    {
        get
        {
            ThrowIfDisposed();
            return _ringFd;
        }
    }

    /// <summary>True once <see cref="Dispose"/> ran.</summary>
    public bool IsDisposed => _disposed;

    private void* Map(nuint size, long offset)
    {
        const int PROT_RW = 0x1 | 0x2;            // PROT_READ | PROT_WRITE
        const int MAP_SHARED_POPULATE = 0x01 | 0x8000; // MAP_SHARED | MAP_POPULATE
        void* ptr = mmap(null, (Tmds.Linux.size_t)(ulong)size, PROT_RW, MAP_SHARED_POPULATE, _ringFd, offset);
        if (ptr == (void*)-1)
            throw new UringException(errno, "mmap(io_uring ring)", _ringFd,
                "Mapping the ring failed; on kernels before 5.12 this counts against RLIMIT_MEMLOCK (ulimit -l).");
        return ptr;
    }

    private void Unmap()
    {
        if (_sqesPtr != null) munmap(_sqesPtr, (Tmds.Linux.size_t)(ulong)_sqesSize);
        if (_cqRingPtr != null && _cqRingSize != 0) munmap(_cqRingPtr, (Tmds.Linux.size_t)(ulong)_cqRingSize);
        if (_sqRingPtr != null) munmap(_sqRingPtr, (Tmds.Linux.size_t)(ulong)_sqRingSize);
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
            ThrowDisposed();
    }

    private static void ThrowDisposed()
        => throw new ObjectDisposedException(nameof(Ring), "The ring was disposed; create a new Ring (or runtime) to submit more work.");

    /// <summary>
    /// Cancels everything still in flight (bounded wait), then unmaps the rings and closes the fd.
    /// See the type's remarks for what this guarantees about memory lent to requests.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        CancelAllInFlight(_disposeCancelTimeout);
        // The registered-ring table is per thread and only freed at thread exit: give the slot back, or a thread
        // that creates many rings runs out (EBUSY after 16). Only the registering thread can address its slot.
        if (IsRingFdRegistered && Environment.CurrentManagedThreadId == _ringFdRegisteredOnThread)
            UnregisterRingFd();
        _disposed = true;
        Unmap();
        close(_ringFd);
        GC.SuppressFinalize(this);
    }

    private void CancelAllInFlight(TimeSpan timeout)
    {
        SyncCancelRegistration reg = default;
        reg.Fd = -1;
        reg.Flags = CancelFlags.Any | CancelFlags.All;
        reg.Timeout = KernelTimespec.From(timeout);
        // ENOENT (nothing to cancel), EEXIST (another thread under SINGLE_ISSUER) and ETIME are all acceptable here:
        // the kernel keeps its own reference to ring memory, so unmapping afterwards is safe either way.
        IoUringSyscalls.Register(_ringFd, (uint)RegisterOpcode.RegisterSyncCancel, &reg, 1);
    }

    /// <summary>Releases the mapping and fd if the ring was never disposed.</summary>
    ~Ring()
    {
        if (!_disposed)
        {
            _disposed = true;
            Unmap();
            close(_ringFd);
        }
    }
}
