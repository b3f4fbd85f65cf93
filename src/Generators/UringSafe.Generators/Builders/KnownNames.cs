using System.Collections.Generic;

namespace UringSafe.Generators;

/// <summary>Fixed names the generator relies on: metadata names, SQE slots and kernel opcode names.</summary>
internal static class KnownNames
{
    public const string DeclarationsNamespace = "UringSafe.Raw.Ops.Declarations";
    public const string UringOpAttributeMetadataName = DeclarationsNamespace + ".UringOpAttribute";
    public const string RequiredAttributeName = "RequiredAttribute";
    public const string OptionalAttributeName = "OptionalAttribute";
    public const string ConstAttributeName = "ConstAttribute";
    public const string UringOpAttributeName = "UringOpAttribute";
    public const string SqeFlagsNamedArgument = "SqeFlags";

    public const string FileRefNamespace = "UringSafe.Raw";
    public const string FileRefName = "FileRef";

    public const string SqeType = "global::UringSafe.Abi.Sqe";
    public const string SqeFlagsType = "global::UringSafe.Abi.SqeFlags";
    public const string OpcodeType = "global::UringSafe.Abi.IoUringOpcode";
    public const string SlotWriterType = "global::UringSafe.Raw.Ops.SqeSlotWriter";
    public const string CatalogNamespace = "UringSafe.Raw.Ops";

    /// <summary>Fields the generated part declares; a declaration may not use these names.</summary>
    public const string FlagsField = "__sqeFlags";
    public const string UserDataField = "__userData";
    public const string PersonalityField = "__personality";

    /// <summary>Member names the generated part declares; an [Optional] setter may not take one.</summary>
    public static readonly HashSet<string> ReservedMemberNames = new()
    {
        "CODE", "Flags", "UserData", "Personality", "WriteTo", "Build", FlagsField, UserDataField, PersonalityField,
    };

    /// <summary>Each <c>SqeSlot</c> member and the integer type its <c>SqeSlotWriter</c> method takes.</summary>
    public static readonly Dictionary<string, string> SlotTypes = new()
    {
        ["IoPrio"] = "ushort",
        ["Fd"] = "int",
        ["Off"] = "ulong",
        ["CmdOp"] = "uint",
        ["Addr"] = "ulong",
        ["Level"] = "uint",
        ["OptName"] = "uint",
        ["Len"] = "uint",
        ["OpFlags"] = "uint",
        ["BufIndex"] = "ushort",
        ["SpliceFdIn"] = "int",
        ["AddrLen"] = "ushort",
        ["Addr3"] = "ulong",
        ["Pad2"] = "ulong",
    };

    /// <summary>The kernel's <c>IORING_OP_*</c> names by value (<c>enum io_uring_op</c>).</summary>
    private static readonly string[] s_kernelOpNames =
    {
        "NOP", "READV", "WRITEV", "FSYNC", "READ_FIXED", "WRITE_FIXED", "POLL_ADD", "POLL_REMOVE",
        "SYNC_FILE_RANGE", "SENDMSG", "RECVMSG", "TIMEOUT", "TIMEOUT_REMOVE", "ACCEPT", "ASYNC_CANCEL",
        "LINK_TIMEOUT", "CONNECT", "FALLOCATE", "OPENAT", "CLOSE", "FILES_UPDATE", "STATX", "READ", "WRITE",
        "FADVISE", "MADVISE", "SEND", "RECV", "OPENAT2", "EPOLL_CTL", "SPLICE", "PROVIDE_BUFFERS",
        "REMOVE_BUFFERS", "TEE", "SHUTDOWN", "RENAMEAT", "UNLINKAT", "MKDIRAT", "SYMLINKAT", "LINKAT",
        "MSG_RING", "FSETXATTR", "SETXATTR", "FGETXATTR", "GETXATTR", "SOCKET", "URING_CMD", "SEND_ZC",
        "SENDMSG_ZC", "READ_MULTISHOT", "WAITID", "FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_WAITV",
        "FIXED_FD_INSTALL", "FTRUNCATE", "BIND", "LISTEN", "RECV_ZC", "EPOLL_WAIT", "READV_FIXED",
        "WRITEV_FIXED", "PIPE", "NOP128", "URING_CMD128",
    };

    /// <summary>The kernel name of an opcode; falls back to an upper-snake-case form of the enum member.</summary>
    public static string KernelOpName(byte value, string member)
    {
        if (value < s_kernelOpNames.Length) return "IORING_OP_" + s_kernelOpNames[value];
        if (member.Length == 0) return "IORING_OP_" + value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var sb = new System.Text.StringBuilder("IORING_OP_");
        for (int i = 0; i < member.Length; i++)
        {
            char c = member[i];
            if (i > 0 && char.IsUpper(c) && !char.IsUpper(member[i - 1])) sb.Append('_');
            sb.Append(char.ToUpperInvariant(c));
        }
        return sb.ToString();
    }
}
