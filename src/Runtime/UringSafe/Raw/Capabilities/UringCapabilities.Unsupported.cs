using UringSafe.Abi;
using UringSafe.Interop;

namespace UringSafe.Raw;

// The typed "this kernel (or this driver) lacks the operation" errors, built from what the capabilities know: the
// exception itself (Errors/OperationNotSupportedException.cs) only formats the facts it is given.
public sealed partial class UringCapabilities
{
    /// <summary>
    /// The exception for <paramref name="opcode"/> on this kernel, with the version that added it (from the
    /// <c>[UringOp]</c> declarations), this kernel's version, and whether an override switched it off.
    /// </summary>
    /// <param name="opcode">The operation.</param>
    /// <param name="errno">What the kernel answered; EOPNOTSUPP when checked before submitting.</param>
    public static OperationNotSupportedException Unsupported(IoUringOpcode opcode, int errno = Errno.EOPNOTSUPP)
        => CreateUnsupported(opcode, errno, -1, null);

    /// <summary>The exception for an opcode (or a variant of it, <paramref name="what"/>) that a driver without the
    /// kernel ring can't run.</summary>
    internal static OperationNotSupportedException UnsupportedByDriver(IoUringOpcode opcode, ReactorDriver driver, string what, int fd, object? buffer)
    {
        HostFacts host = s_host.Value;
        return new OperationNotSupportedException(opcode, driver, what, MinimumKernel(opcode), host.KernelVersion, host.KernelRelease, fd) { Buffer = buffer };
    }

    /// <summary>Throws <see cref="OperationNotSupportedException"/> when this kernel (or an override) says
    /// <paramref name="opcode"/> is unsupported. Probes only the opcodes, not the features.</summary>
    public static void CheckOpcode(IoUringOpcode opcode)
    {
        (bool supported, _) = OpcodeState(opcode, s_ops.Value, s_host.Value, CurrentOverrides());
        if (!supported)
            throw CreateUnsupported(opcode, Errno.EOPNOTSUPP, -1, null);
    }

    /// <summary>
    /// For a completion that failed with <paramref name="errno"/>: the typed "this kernel lacks the operation" exception
    /// when the errno is EINVAL or EOPNOTSUPP and the capabilities (the opcode probe, or an override) say
    /// <paramref name="opcode"/> is unsupported; otherwise null. Cheap: it probes only the opcodes, once per process, and
    /// only when the errno is one of those two.
    /// </summary>
    /// <param name="opcode">The failed operation's opcode.</param>
    /// <param name="errno">The positive errno of the completion.</param>
    /// <param name="fd">The descriptor it acted on, or -1.</param>
    /// <param name="buffer">The buffer the operation had borrowed, handed back on the exception (<see cref="UringException.Buffer"/>).</param>
    internal static OperationNotSupportedException? UnsupportedOrNull(IoUringOpcode opcode, int errno, int fd = -1, object? buffer = null)
    {
        if (errno is not (Errno.EINVAL or Errno.EOPNOTSUPP))
            return null;
        (bool supported, _) = OpcodeState(opcode, s_ops.Value, s_host.Value, CurrentOverrides());
        return supported ? null : CreateUnsupported(opcode, errno, fd, buffer);
    }

    internal static OperationNotSupportedException CreateUnsupported(IoUringOpcode opcode, int errno, int fd, object? buffer)
    {
        HostFacts host = s_host.Value;
        (_, Decision how) = OpcodeState(opcode, s_ops.Value, host, CurrentOverrides());
        return new OperationNotSupportedException(opcode, MinimumKernel(opcode), host.KernelVersion, host.KernelRelease, errno,
            disabledByOverride: how == Decision.Override, fd: fd)
        { Buffer = buffer };
    }

    private static (bool Supported, Decision How) OpcodeState(IoUringOpcode opcode, OpcodeTable ops, HostFacts host, OverrideSet overrides)
    {
        if (overrides.Find(OpcodeKey(opcode)) is bool forced)
            return (forced, Decision.Override);
        if (ops.Unavailable is not null)
            return (false, Decision.Probe);
        if (ops.Supported is { } supported)
            return ((int)opcode < supported.Length && supported[(int)opcode], Decision.Probe);
        // No IORING_REGISTER_PROBE (before 5.6): go by the version that added the opcode.
        Version? since = MinimumKernel(opcode);
        return (since is not null && host.KernelVersion >= since, Decision.KernelVersion);
    }
}
