using System.Runtime.InteropServices;

namespace UringSafe.Abi;

/// <summary>A completion queue entry, <c>struct io_uring_cqe</c> (16 bytes; 32 with IORING_SETUP_CQE32).</summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
public readonly struct Cqe
{
    /// <summary><c>user_data</c> of the SQE this completes.</summary>
    public readonly ulong UserData;
    /// <summary><c>res</c>: the result, or a negated errno.</summary>
    public readonly int Result;
    /// <summary><c>flags</c> (IORING_CQE_F_*; the upper 16 bits carry a provided-buffer id).</summary>
    public readonly CqeFlags Flags;

    /// <summary>Creates a completion value (for tests and synthetic completions).</summary>
    public Cqe(ulong userData, int result, CqeFlags flags)
    {
        UserData = userData;
        Result = result;
        Flags = flags;
    }

    /// <summary>True when more completions will follow for the same request (multishot).</summary>
    public bool HasMore => (Flags & CqeFlags.More) != 0;

    /// <summary>True when <see cref="BufferId"/> is valid (IORING_CQE_F_BUFFER).</summary>
    public bool HasBuffer => (Flags & CqeFlags.Buffer) != 0;

    /// <summary>The id of the provided buffer the kernel picked (<c>flags &gt;&gt; IORING_CQE_BUFFER_SHIFT</c>).</summary>
    public ushort BufferId => (ushort)((uint)Flags >> 16);

    /// <summary>True when this is a zero-copy send's notification (IORING_CQE_F_NOTIF).</summary>
    public bool IsNotification => (Flags & CqeFlags.Notification) != 0;

    /// <inheritdoc/>
    public override string ToString() => $"Cqe(user_data=0x{UserData:x}, res={Result}, flags=0x{(uint)Flags:x})";
}

/// <summary>The 32-byte completion of a ring set up with IORING_SETUP_CQE32 (<c>big_cqe</c> carries two extra u64).</summary>
[StructLayout(LayoutKind.Sequential, Size = 32)]
public readonly struct Cqe32
{
    /// <summary>The first 16 bytes, as a normal completion.</summary>
    public readonly Cqe Cqe;
    /// <summary><c>big_cqe[0]</c>.</summary>
    public readonly ulong Extra1;
    /// <summary><c>big_cqe[1]</c>.</summary>
    public readonly ulong Extra2;
}
