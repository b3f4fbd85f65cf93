namespace UringSafe.Async;

/// <summary>
/// The reactor's <c>user_data</c> layout (docs/architecture.md):
/// <code>
///  63 | 62 ............ 32 | 31 ............. 0
///  T  | generation (31 b) | slot index (32 b)      T = 0: an operation's request
///  1  | kind (31 b)       | argument (32 b)        T = 1: the reactor's own requests (wake, ignore, message)
/// </code>
/// A slot's generation advances on every final completion and wraps within its 31 bits, so an operation's value
/// never sets the internal tag, and a stale completion (an old generation) is never routed to the slot's next user.
/// </summary>
internal static class UserData
{
    public const ulong InternalTag = 1UL << 63;
    public const uint GenerationMask = 0x7FFF_FFFF;

    /// <summary>The reactor's eventfd read (re-armed on each completion).</summary>
    public const ulong Wake = InternalTag | (1UL << 32);

    /// <summary>Requests whose completion nobody waits for: cancels, link timeouts.</summary>
    public const ulong Ignore = InternalTag | (2UL << 32);

    /// <summary>An IORING_OP_MSG_RING sent to wake another reactor; the low half is the target reactor's id, so a
    /// failed message can wake that reactor another way.</summary>
    public const ulong Message = InternalTag | (3UL << 32);

    /// <summary>The value a message carries into the target ring (and the target ignores).</summary>
    public const ulong MessageReceived = InternalTag | (4UL << 32);

    private const ulong KindMask = ~0UL << 32;

    public static ulong ForOperation(uint generation, int slot) => ((ulong)(generation & GenerationMask) << 32) | (uint)slot;

    public static int Slot(ulong userData) => (int)(uint)userData;

    public static uint NextGeneration(uint generation) => (generation + 1) & GenerationMask;

    public static bool IsInternal(ulong userData) => (userData & InternalTag) != 0;

    public static ulong Kind(ulong userData) => userData & KindMask;

    public static ulong MessageTo(int reactorId) => Message | (uint)reactorId;
}
