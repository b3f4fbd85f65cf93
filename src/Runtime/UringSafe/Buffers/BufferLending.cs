using System.ComponentModel;
using UringSafe.Raw;

namespace UringSafe.Buffers;

/// <summary>
/// Lends and releases the buffer kinds operations accept: <see cref="IoBuffer"/> (marked in flight),
/// <c>byte[]</c>, <see cref="Memory{T}"/> and <see cref="ReadOnlyMemory{T}"/> (pinned for the operation's lifetime).
/// Generated operations call these; release happens only after the operation's final completion.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class BufferLending
{
    /// <summary>Lends an <see cref="IoBuffer"/>: from now on its memory belongs to the kernel.</summary>
    public static BufferLease Lend(IoBuffer buffer, Ring? ring)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return new BufferLease(buffer.BeginLend(ring), default);
    }

    /// <summary>Pins an array for the operation's lifetime.</summary>
    public static BufferLease Lend(byte[] buffer, Ring? ring)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return Lend(new Memory<byte>(buffer), ring);
    }

    /// <summary>Pins memory for the operation's lifetime.</summary>
    public static BufferLease Lend(Memory<byte> buffer, Ring? ring) => Lend((ReadOnlyMemory<byte>)buffer, ring);

    /// <summary>Pins memory for the operation's lifetime.</summary>
    public static BufferLease Lend(ReadOnlyMemory<byte> buffer, Ring? ring)
    {
        var pin = buffer.Pin();
        return new BufferLease(new LentRegion((nint)pin.Pointer, buffer.Length, buffer.Length, -1), pin);
    }

    /// <summary>Gives an <see cref="IoBuffer"/> back (nothing happens when <paramref name="lease"/> is not active: a refused operation never lent it); <paramref name="filled"/> ≥ 0 becomes its <see cref="IoBuffer.Length"/>.</summary>
    public static void Release(IoBuffer buffer, ref BufferLease lease, int filled)
    {
        if (lease.End())
            buffer.EndLend(filled);
    }

    /// <summary>Unpins an array.</summary>
    public static void Release(byte[] buffer, ref BufferLease lease, int filled) => lease.End();

    /// <summary>Unpins memory.</summary>
    public static void Release(Memory<byte> buffer, ref BufferLease lease, int filled) => lease.End();

    /// <summary>Unpins memory.</summary>
    public static void Release(ReadOnlyMemory<byte> buffer, ref BufferLease lease, int filled) => lease.End();

    /// <summary>Describes a lent buffer for the in-flight snapshot.</summary>
    public static string Describe(IoBuffer buffer) => buffer is null ? "IoBuffer (null)" : $"IoBuffer, {buffer.Capacity} B{(buffer.Pool is null ? "" : ", pooled")}";

    /// <summary>Describes a lent buffer for the in-flight snapshot.</summary>
    public static string Describe(byte[] buffer) => buffer is null ? "byte[] (null)" : $"byte[], {buffer.Length} B";

    /// <summary>Describes a lent buffer for the in-flight snapshot.</summary>
    public static string Describe(Memory<byte> buffer) => $"Memory<byte>, {buffer.Length} B";

    /// <summary>Describes a lent buffer for the in-flight snapshot.</summary>
    public static string Describe(ReadOnlyMemory<byte> buffer) => $"ReadOnlyMemory<byte>, {buffer.Length} B";
}
