namespace UringSafe.Raw;

public sealed partial class Ring
{
    private static readonly Lazy<UringUnavailableException?> s_unavailable = new(ProbeAvailability);

    /// <summary>True when this process can create an io_uring (checked once, by creating a tiny ring).</summary>
    public static bool IsSupported => s_unavailable.Value is null;

    /// <summary>Why io_uring can't be used here (cause and fix in the message), or null when it can.</summary>
    public static UringUnavailableException? UnavailableReason => s_unavailable.Value;

    /// <summary>Throws <see cref="UringUnavailableException"/> when io_uring can't be used here.</summary>
    public static void ThrowIfUnsupported()
    {
        if (s_unavailable.Value is { } reason)
            throw reason;
    }

    private static UringUnavailableException? ProbeAvailability()
    {
        try
        {
            using var ring = new Ring(new RingOptions { Entries = 1 });
            return null;
        }
        catch (UringUnavailableException e)
        {
            return e;
        }
    }
}
