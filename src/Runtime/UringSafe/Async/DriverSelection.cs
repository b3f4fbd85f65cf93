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
    public static RingDriver Create(ReactorOptions options, Func<ReactorOptions, Ring> createKernelRing)
    {
        switch (Requested(options))
        {
            case ReactorDriver.KernelRing:
                return new KernelRingDriver(createKernelRing(options));
            case ReactorDriver.UserspaceRing:
                return new UserspaceRingDriver(options.Entries);
        }
        try
        {
            return new KernelRingDriver(createKernelRing(options));
        }
        catch (UringUnavailableException e)
        {
            ReportFallback(e.Message);
            return new UserspaceRingDriver(options.Entries);
        }
    }

    private static void ReportFallback(string cause)
    {
        KernelRingRequiredException.AutoFallbackReason = cause;
        if (Interlocked.Exchange(ref s_fallbackReported, 1) != 0)
            return;
        UringEventSource.Log.DriverFallback(cause);
        Console.Error.WriteLine($"UringSafe: io_uring is unavailable, so reactors run the userspace ring (ReactorDriver.UserspaceRing): {cause} " +
            $"Set ReactorOptions.Driver = KernelRing (or {DriverVariable.Name}=kernel) to require io_uring instead.");
    }
}
