using System.ComponentModel;
using System.Runtime.CompilerServices;
using UringSafe.Abi;

namespace UringSafe.Raw.Ops;

/// <summary>
/// Writes one <see cref="SqeSlot"/> of an SQE. Generated builders call these; each ORs its value in,
/// so a declared constant (a multishot bit, say) and a field can share a slot.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SqeSlotWriter
{
#pragma warning disable CS1591 // one method per SqeSlot member, documented there
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void IoPrio(ref Sqe sqe, ushort value) => sqe.IoPrio |= value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Fd(ref Sqe sqe, int value) => sqe.Fd |= value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fd(ref Sqe sqe, FileRef file)
    {
        sqe.Fd |= file.Value;
        if (file.IsFixed) sqe.Flags |= SqeFlags.FixedFile;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Off(ref Sqe sqe, ulong value) => sqe.Off |= value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void CmdOp(ref Sqe sqe, uint value) => sqe.Off |= value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Addr(ref Sqe sqe, ulong value) => sqe.Addr |= value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Level(ref Sqe sqe, uint value) => sqe.Addr |= value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void OptName(ref Sqe sqe, uint value) => sqe.Addr |= (ulong)value << 32;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Len(ref Sqe sqe, uint value) => sqe.Len |= value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void OpFlags(ref Sqe sqe, uint value) => sqe.OpFlags |= value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void BufIndex(ref Sqe sqe, ushort value) => sqe.BufIndex |= value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void SpliceFdIn(ref Sqe sqe, int value) => sqe.SpliceFdIn |= value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void AddrLen(ref Sqe sqe, ushort value) => sqe.AddrLen |= value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Addr3(ref Sqe sqe, ulong value) => sqe.Addr3 |= value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Pad2(ref Sqe sqe, ulong value) => sqe.Pad2 |= value;
#pragma warning restore CS1591
}
