using UringSafe.Abi;

namespace UringSafe;

/// <summary>
/// The running kernel does not have an io_uring operation: it was added in a later kernel (<see cref="RequiredKernel"/>)
/// than this one (<see cref="KernelVersion"/>), or it was switched off with an override
/// (<c>URINGSAFE_FEATURES=-op:Name</c>, <see cref="Raw.UringCapabilities.Override"/>). Raised instead of the bare EINVAL or
/// EOPNOTSUPP the kernel answers with, when <see cref="Raw.UringCapabilities"/> says the opcode is unsupported (which
/// builds it: <see cref="Raw.UringCapabilities.Unsupported"/>). It formats the facts it is given and reads nothing itself.
/// </summary>
public sealed class OperationNotSupportedException : UringException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="opcode">The operation.</param>
    /// <param name="requiredKernel">The first kernel with it (major.minor), or null when not recorded.</param>
    /// <param name="kernelVersion">This kernel's version (major.minor).</param>
    /// <param name="kernelRelease">This kernel's release string (<c>uname -r</c>).</param>
    /// <param name="errno">What the kernel answered (EINVAL or EOPNOTSUPP), or EOPNOTSUPP when checked before submitting.</param>
    /// <param name="disabledByOverride">True when an override, not the kernel, made it unsupported.</param>
    /// <param name="fd">The descriptor the operation acted on, or -1.</param>
    public OperationNotSupportedException(IoUringOpcode opcode, Version? requiredKernel, Version kernelVersion, string kernelRelease,
        int errno = UringSafe.Errno.EOPNOTSUPP, bool disabledByOverride = false, int fd = -1)
        : base(errno, opcode.ToString(), fd)
    {
        ArgumentNullException.ThrowIfNull(kernelVersion);
        ArgumentNullException.ThrowIfNull(kernelRelease);
        Opcode = opcode;
        RequiredKernel = requiredKernel;
        KernelVersion = kernelVersion;
        KernelRelease = kernelRelease;
        DisabledByOverride = disabledByOverride;
        Message = Format(opcode, requiredKernel, kernelVersion, kernelRelease, errno, disabledByOverride, fd);
    }

    /// <summary>The exception for an opcode (or a variant of it, <paramref name="what"/>) that a driver without the
    /// kernel ring can't run; the kernel facts come from the caller (UringCapabilities.UnsupportedByDriver).</summary>
    internal OperationNotSupportedException(IoUringOpcode opcode, ReactorDriver driver, string what, Version? requiredKernel, Version kernelVersion, string kernelRelease, int fd)
        : base(UringSafe.Errno.EOPNOTSUPP, opcode.ToString(), fd)
    {
        Opcode = opcode;
        Driver = driver;
        RequiredKernel = requiredKernel;
        KernelVersion = kernelVersion;
        KernelRelease = kernelRelease;
        string target = fd >= 0 ? $" on fd {fd}" : "";
        Message = $"{opcode}{target} is not supported by the userspace ring (ReactorDriver.{driver}): {what}. " +
                  "Run where io_uring is available with ReactorOptions.Driver = KernelRing (or URINGSAFE_DRIVER=kernel), " +
                  "or use an operation both drivers run (docs/architecture.md, \"Driver\").";
    }

    /// <summary>The driver that lacks the operation: <see cref="ReactorDriver.KernelRing"/> when the kernel lacks it
    /// (or an override disabled it), <see cref="ReactorDriver.UserspaceRing"/> when the userspace ring has no
    /// implementation of it.</summary>
    public ReactorDriver Driver { get; } = ReactorDriver.KernelRing;

    /// <summary>The operation the kernel lacks.</summary>
    public IoUringOpcode Opcode { get; }

    /// <summary>The first kernel version with the operation (from its builder declaration), or null when not recorded.</summary>
    public Version? RequiredKernel { get; }

    /// <summary>This kernel's version (major.minor of <c>uname -r</c>).</summary>
    public Version KernelVersion { get; }

    /// <summary>This kernel's release string (<c>uname -r</c>).</summary>
    public string KernelRelease { get; }

    /// <summary>True when an override (<c>URINGSAFE_FEATURES</c> or <see cref="Raw.UringCapabilities.Override"/>) marked the
    /// operation unsupported, rather than the kernel's own probe.</summary>
    public bool DisabledByOverride { get; }

    /// <inheritdoc/>
    public override string Message { get; }

    private static string Format(IoUringOpcode opcode, Version? required, Version kernel, string release, int errno, bool byOverride, int fd)
    {
        string target = fd >= 0 ? $" on fd {fd}" : "";
        string answered = errno == UringSafe.Errno.EOPNOTSUPP || errno == UringSafe.Errno.EINVAL
            ? $" The kernel answers {UringSafe.Errno.Name(errno)}."
            : $" ({UringSafe.Errno.Name(errno)}, errno {errno}).";
        string needs = required is null
            ? "UringSafe does not record which kernel added it"
            : $"it needs Linux {required} or newer";
        if (byOverride)
        {
            return $"{opcode}{target} is not supported: an override (-op:{opcode}, from URINGSAFE_FEATURES or UringCapabilities.Override) marks it unsupported on this kernel, " +
                   $"Linux {kernel} ({release}); {needs}.{answered}";
        }
        return $"{opcode}{target} is not supported by this kernel: {needs}, and this is Linux {kernel} ({release}).{answered} " +
               "Upgrade the kernel, or use an operation this kernel has (`uringsafe doctor` lists them).";
    }
}
