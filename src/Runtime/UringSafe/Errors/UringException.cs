using UringSafe.Abi;

namespace UringSafe;

/// <summary>
/// An io_uring operation failed: the kernel returned a negated errno in its completion
/// (or a setup/registration call failed). Carries the errno, the operation and the fd.
/// </summary>
public class UringException : IOException, IReturnsBuffer, IErrorTarget
{
    private string? _hint;
    private string? _message;

    /// <summary>Creates the exception for a failed operation.</summary>
    /// <param name="errno">The positive errno value.</param>
    /// <param name="operation">What was attempted, e.g. "Read" or "io_uring_register(REGISTER_FILES)".</param>
    /// <param name="fd">The file descriptor involved, or -1.</param>
    /// <param name="hint">An optional sentence on what to do.</param>
    public UringException(int errno, string operation, int fd = -1, string? hint = null)
        : base(null, unchecked((int)0x80070000 | errno))
    {
        Errno = errno;
        Operation = operation;
        Fd = fd;
        _hint = hint;
    }

    /// <summary>What the operation acted on, when its owner knows: a file's path and how it was opened, or a socket's
    /// local and remote endpoints. Null for raw-ring and setup errors.</summary>
    public string? Target { get; private set; }

    /// <inheritdoc/>
    public override string Message => _message ??= Format(Errno, Operation, Fd, Target, _hint);

    void IErrorTarget.Attach(string target, string? hint)
    {
        Target ??= target;
        _hint = hint ?? _hint;
        _message = null;
    }

    /// <summary>The positive errno value.</summary>
    public int Errno { get; }
    /// <summary>The symbolic errno name, such as EBADF.</summary>
    public string ErrnoName => UringSafe.Errno.Name(Errno);
    /// <summary>The operation that failed.</summary>
    public string Operation { get; }
    /// <summary>The file descriptor involved, or -1.</summary>
    public int Fd { get; }

    /// <summary>
    /// The buffer the failed operation had borrowed, handed back: the kernel is done with it.
    /// Take it back in your <c>catch</c> (<c>buf = (IoBuffer)e.Buffer!</c>) or dispose it. Null for operations without one.
    /// </summary>
    public object? Buffer { get; init; }

    /// <summary>Creates the exception for a completion's negative result.</summary>
    /// <param name="result">The negative completion result.</param>
    /// <param name="opcode">The operation.</param>
    /// <param name="fd">The descriptor it acted on, or -1.</param>
    /// <param name="buffer">The buffer the operation had borrowed, handed back on the exception.</param>
    public static UringException FromResult(int result, IoUringOpcode opcode, int fd, object? buffer = null)
        => new(-result, opcode.ToString(), fd, HintFor(-result)) { Buffer = buffer };

    /// <summary>Throws for a negative completion result; returns it otherwise.</summary>
    public static int ThrowIfError(int result, IoUringOpcode opcode, int fd)
        => result < 0 ? throw FromResult(result, opcode, fd) : result;

    internal static string? HintFor(int errno) => errno switch
    {
        UringSafe.Errno.EBADF => "The descriptor is not open (closed already, or never valid) or not open for this access.",
        UringSafe.Errno.EINVAL => "The kernel rejected a field of the request; check the opcode's flags against the running kernel (Ring.Probe()).",
        UringSafe.Errno.ECANCELED => "The operation was cancelled (explicitly, by a link failure, or by a timeout).",
        UringSafe.Errno.EMFILE => "The process has too many open files; raise RLIMIT_NOFILE (ulimit -n) or close descriptors.",
        UringSafe.Errno.ENFILE => "The system-wide file table is full.",
        _ => null,
    };

    private static string Format(int errno, string operation, int fd, string? target, string? hint)
    {
        string on = (target, fd) switch
        {
            (null, < 0) => "",
            (null, _) => $" on fd {fd}",
            (_, < 0) => $" on {target}",
            _ => $" on {target}, fd {fd},",
        };
        string text = $"{operation}{on} failed: {UringSafe.Errno.Describe(errno)} ({UringSafe.Errno.Name(errno)}, errno {errno}).";
        return hint is null ? text : $"{text} {hint}";
    }
}
