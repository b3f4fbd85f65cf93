using System.ComponentModel;
using UringSafe.Buffers;
using UringSafe.Raw;

namespace UringSafe.Net;

/// <summary>
/// Lends and releases a <see cref="ReceivedBuffer"/> for generated operations (<c>[Lends] ReceivedBuffer</c>), as
/// <see cref="BufferLending"/> does for the other buffer kinds: while lent, the lease's span and hand-back throw.
/// It lives here, not in Buffers, because a received buffer belongs to the sockets layer.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ReceivedBufferLending
{
    /// <summary>Lends the received bytes: from now on they belong to the kernel.</summary>
    public static BufferLease Lend(ReceivedBuffer buffer, Ring? ring)
        => new(new LentRegion(buffer.BeginLend(), buffer.Length, buffer.Length, -1), default);

    /// <summary>Ends the lend (nothing happens when <paramref name="lease"/> is not active); <paramref name="filled"/> is ignored.</summary>
    public static void Release(ReceivedBuffer buffer, ref BufferLease lease, int filled)
    {
        if (lease.End())
            buffer.EndLend();
    }

    /// <summary>Describes a lent buffer for the in-flight snapshot.</summary>
    public static string Describe(ReceivedBuffer buffer) => $"ReceivedBuffer #{buffer.BufferId}, {buffer.Length} B";
}
