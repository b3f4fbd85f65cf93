using UringSafe.Diagnostics;
using UringSafe.Driver;
using UringSafe.Driver.Userspace;
using UringSafe.Raw;

namespace UringSafe.Async;

/// <summary>
/// Picks a reactor's driver: <see cref="ReactorOptions.Driver"/> when set, else <c>URINGSAFE_DRIVER</c>, else Auto,
/// which takes the kernel ring where it can be set up and the userspace ring otherwise (said once per process, with
/// the cause, as an EventSource event and one stderr line).
/// </summary>
internal static class DriverSelection
{
    private static int s_fallbackReported;

    /// <summary>What <paramref name="options"/> asks for after the environment's override of Auto.</summary>
    public static ReactorDriver Requested(ReactorOptions options)
        => options.Driver != ReactorDriver.Auto ? options.Driver : DriverVariable.Parse(DriverVariable.Value);

    /// <summary>Creates the driver; <paramref name="createKernelRing"/> sets up the kernel ring with the reactor's flags.</summary>
    public static RingDriver Create(ReactorOptions options, Func<ReactorOptions, Ring> createKernelRing) => Requested(options) switch
    {
        ReactorDriver.KernelRing => new KernelRingDriver(createKernelRing(options)),
        ReactorDriver.UserspaceRing => new UserspaceRingDriver(options.Entries),
        _ => CreateAuto(options, createKernelRing),
    };

    /// <summary>Auto: the kernel ring where it can be set up with what the runtime's defaults use
    /// (<see cref="KernelRingRequirements"/>), the userspace ring otherwise.</summary>
    internal static RingDriver CreateAuto(ReactorOptions options, Func<ReactorOptions, Ring> createKernelRing)
    {
        Ring ring;
        try
        {
            ring = createKernelRing(options);
        }
        catch (UringUnavailableException e)
        {
            return Fallback(options, new(e.Problem, e.Fix + $" Set ReactorOptions.Driver = ReactorDriver.KernelRing (or {DriverVariable.Name}=kernel) to require io_uring instead."));
        }
        catch (UringException e) when (e.Errno == Errno.EINVAL)
        {
            // Set up, but its fd could not be registered (before 5.18): say so from the requirements' own list.
            KernelRingShortfall noRegisteredFd = KernelRingRequirements.Shortfall(f => f != UringCapabilities.FeatureNames.RegisteredRingFd)!;
            return Fallback(options, noRegisteredFd with { Problem = noRegisteredFd.Problem + $" ({e.Message})" });
        }
        if (KernelRingRequirements.Shortfall(ring) is { } shortfall)
        {
            ring.Dispose();
            return Fallback(options, shortfall);
        }
        return new KernelRingDriver(ring);
    }

    /// <summary>Why Auto last took the userspace ring in this process, or null when it never did.</summary>
    internal static string? LastFallbackCause { get; private set; }

    private static UserspaceRingDriver Fallback(ReactorOptions options, KernelRingShortfall shortfall)
    {
        string cause = shortfall.Message;
        LastFallbackCause = cause;
        KernelRingRequiredException.AutoFallbackReason = shortfall.Problem;
        if (Interlocked.Exchange(ref s_fallbackReported, 1) == 0)
        {
            UringEventSource.Log.DriverFallback(cause);
            Console.Error.WriteLine($"UringSafe: reactors run the userspace ring (ReactorDriver.UserspaceRing): {cause}");
        }
        return new UserspaceRingDriver(options.Entries);
    }
}
