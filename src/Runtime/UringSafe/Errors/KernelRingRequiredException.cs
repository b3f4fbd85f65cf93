namespace UringSafe;

/// <summary>
/// The raw layer (<see cref="Raw.Ring"/>, registration, <see cref="Files.DmaFile"/>'s O_DIRECT path) was used on a reactor
/// that runs the userspace ring (<see cref="ReactorDriver.UserspaceRing"/>), which has no kernel io_uring.
/// </summary>
public sealed class KernelRingRequiredException : NotSupportedException
{
    /// <summary>Creates the exception for <paramref name="what"/> (the member or feature that needs the kernel ring).</summary>
    public KernelRingRequiredException(string what)
        : base($"{what} needs the kernel's io_uring, and this reactor runs the userspace ring (ReactorDriver.UserspaceRing)" +
               (AutoFallbackReason is { } why ? $", which Auto chose because {why}" : ".") +
               " Run it where io_uring is available with ReactorOptions.Driver = KernelRing (or URINGSAFE_DRIVER=kernel), or keep to the async layer, which runs on both drivers.")
    {
        What = what;
    }

    /// <summary>Why Auto took the userspace ring in this process, without the advice (set by the reactors' driver
    /// selection; the message gives its own), or null.
    /// Kept here, under every layer, so the error can say it without reading the reactors.</summary>
    internal static string? AutoFallbackReason { get; set; }

    /// <summary>What needed the kernel ring.</summary>
    public string What { get; }
}
