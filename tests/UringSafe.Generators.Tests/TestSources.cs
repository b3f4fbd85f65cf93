namespace UringSafe.Generators.Tests;

/// <summary>Source text fed to the generator: a minimal stub of the runtime's ABI and declaration types, and sample declarations.</summary>
internal static class TestSources
{
    /// <summary>Just enough of UringSafe's Abi/Raw types for generated builders to compile; shapes match the runtime's.</summary>
    public const string Stubs = """
        #pragma warning disable CS1591
        using System;
        using System.Runtime.InteropServices;

        namespace UringSafe.Abi
        {
            public enum IoUringOpcode : byte { Nop = 0, Timeout = 11, Accept = 13, Read = 22, Recv = 27, EpollCtl = 29 }

            [Flags]
            public enum SqeFlags : byte { None = 0, FixedFile = 1, IoDrain = 2, IoLink = 4, IoHardLink = 8, Async = 16, BufferSelect = 32, CqeSkipSuccess = 64 }

            [Flags]
            public enum AcceptIoPrio : ushort { None = 0, Multishot = 1, DontWait = 2, PollFirst = 4 }

            [Flags]
            public enum TimeoutFlags : uint { None = 0, Abs = 1 }

            [StructLayout(LayoutKind.Explicit, Size = 64)]
            public struct Sqe
            {
                [FieldOffset(0)] public IoUringOpcode Opcode;
                [FieldOffset(1)] public SqeFlags Flags;
                [FieldOffset(2)] public ushort IoPrio;
                [FieldOffset(4)] public int Fd;
                [FieldOffset(8)] public ulong Off;
                [FieldOffset(16)] public ulong Addr;
                [FieldOffset(24)] public uint Len;
                [FieldOffset(28)] public uint OpFlags;
                [FieldOffset(32)] public ulong UserData;
                [FieldOffset(40)] public ushort BufIndex;
                [FieldOffset(42)] public ushort Personality;
                [FieldOffset(44)] public int SpliceFdIn;
                [FieldOffset(44)] public ushort AddrLen;
                [FieldOffset(48)] public ulong Addr3;
                [FieldOffset(56)] public ulong Pad2;
            }
        }

        namespace UringSafe.Raw
        {
            public readonly record struct FileRef
            {
                private FileRef(int value, bool isFixed) { Value = value; IsFixed = isFixed; }
                public int Value { get; }
                public bool IsFixed { get; }
                public static FileRef Fd(int fd) => new(fd, false);
                public static FileRef Fixed(int index) => new(index, true);
                public static implicit operator FileRef(int fd) => new(fd, false);
            }
        }

        namespace UringSafe.Raw.Ops
        {
            using UringSafe.Abi;

            public enum SqeSlot { IoPrio, Fd, Off, CmdOp, Addr, Level, OptName, Len, OpFlags, BufIndex, SpliceFdIn, AddrLen, Addr3, Pad2 }

            public static class SqeSlotWriter
            {
                public static void IoPrio(ref Sqe sqe, ushort value) => sqe.IoPrio |= value;
                public static void Fd(ref Sqe sqe, int value) => sqe.Fd |= value;
                public static void Fd(ref Sqe sqe, UringSafe.Raw.FileRef file)
                {
                    sqe.Fd |= file.Value;
                    if (file.IsFixed) sqe.Flags |= SqeFlags.FixedFile;
                }
                public static void Off(ref Sqe sqe, ulong value) => sqe.Off |= value;
                public static void CmdOp(ref Sqe sqe, uint value) => sqe.Off |= value;
                public static void Addr(ref Sqe sqe, ulong value) => sqe.Addr |= value;
                public static void Level(ref Sqe sqe, uint value) => sqe.Addr |= value;
                public static void OptName(ref Sqe sqe, uint value) => sqe.Addr |= (ulong)value << 32;
                public static void Len(ref Sqe sqe, uint value) => sqe.Len |= value;
                public static void OpFlags(ref Sqe sqe, uint value) => sqe.OpFlags |= value;
                public static void BufIndex(ref Sqe sqe, ushort value) => sqe.BufIndex |= value;
                public static void SpliceFdIn(ref Sqe sqe, int value) => sqe.SpliceFdIn |= value;
                public static void AddrLen(ref Sqe sqe, ushort value) => sqe.AddrLen |= value;
                public static void Addr3(ref Sqe sqe, ulong value) => sqe.Addr3 |= value;
                public static void Pad2(ref Sqe sqe, ulong value) => sqe.Pad2 |= value;
            }
        }

        namespace UringSafe.Raw.Ops.Declarations
        {
            using UringSafe.Abi;

            [AttributeUsage(AttributeTargets.Struct, Inherited = false)]
            public sealed class UringOpAttribute : Attribute
            {
                public UringOpAttribute(IoUringOpcode opcode, string summary, string since, string manPage) { }
                public SqeFlags SqeFlags { get; set; }
            }

            [AttributeUsage(AttributeTargets.Field, Inherited = false)]
            public sealed class RequiredAttribute : Attribute { public RequiredAttribute(SqeSlot slot, string doc) { } }

            [AttributeUsage(AttributeTargets.Field, Inherited = false)]
            public sealed class OptionalAttribute : Attribute { public OptionalAttribute(SqeSlot slot, string doc) { } }

            [AttributeUsage(AttributeTargets.Struct, Inherited = false, AllowMultiple = true)]
            public sealed class ConstAttribute : Attribute { public ConstAttribute(SqeSlot slot, ulong value) { } }
        }
        """;

    /// <summary>Sample declarations covering FileRef, nint, enums, constants, constant SQE flags, initializers, keywords and both accessibilities.</summary>
    public const string Declarations = """
        using UringSafe.Abi;
        using UringSafe.Raw.Ops.Declarations;

        namespace UringSafe.Raw.Ops;

        [UringOp(IoUringOpcode.Read, "Reads <bytes> & more from a file.", "5.6", "io_uring_prep_read")]
        public partial struct Read
        {
            [Required(SqeSlot.Fd, "The file to read.")] private FileRef _fd;
            [Required(SqeSlot.Addr, "Address of the destination buffer.")] private nint _buffer;
            [Required(SqeSlot.Len, "Number of bytes to read.")] private uint _length;
            [Optional(SqeSlot.Off, "File offset.")] private ulong _offset;
            [Optional(SqeSlot.OpFlags, "RWF_* flags.")] private uint _rwFlags;
        }

        [UringOp(IoUringOpcode.Accept, "Accepts connections until cancelled.", "5.19", "io_uring_prep_multishot_accept")]
        [Const(SqeSlot.IoPrio, 1 /* IORING_ACCEPT_MULTISHOT */)]
        [Const(SqeSlot.SpliceFdIn, 0xFFFFFFFF)]
        public partial struct AcceptMultishot
        {
            [Required(SqeSlot.Fd, "The listening socket.")] private FileRef _fd;
            [Optional(SqeSlot.IoPrio, "Further IORING_ACCEPT_* bits.")] private AcceptIoPrio _ioPrio;
        }

        [UringOp(IoUringOpcode.Recv, "Receives into a provided buffer.", "6.0", "io_uring_prep_recv", SqeFlags = SqeFlags.BufferSelect)]
        internal partial struct RecvSelect
        {
            [Required(SqeSlot.Fd, "The socket, as a raw descriptor.")] private int _fd;
            [Required(SqeSlot.BufIndex, "The buffer group.")] private ushort _bufferGroup;
            [Optional(SqeSlot.Off, "A signed value sign-extended into off.")] private int _signedOffset = -1;
            [Optional(SqeSlot.Len, "An enum with a uint underlying type.")] private TimeoutFlags _timeoutFlags;
            [Optional(SqeSlot.Addr3, "A native signed integer.")] private nint _native = -2;
        }

        [UringOp(IoUringOpcode.EpollCtl, "Controls an epoll set.", "5.6", "io_uring_prep_epoll_ctl")]
        public partial struct EpollCtl
        {
            [Required(SqeSlot.Fd, "The epoll instance.")] private FileRef _epfd;
            [Required(SqeSlot.Addr, "Address of the event.")] private nint _event;
            [Required(SqeSlot.Off, "The target descriptor.")] private long _fd;
            [Required(SqeSlot.Len, "The operation.")] private int _op;
        }

        [UringOp(IoUringOpcode.Nop, "Does nothing.", "5.1", "io_uring_prep_nop")]
        public partial struct Nop
        {
            [Optional(SqeSlot.Len, "Result to inject.")] private int _injectedResult = 7;
        }
        """;

    /// <summary>A declaration in the global namespace.</summary>
    public const string GlobalNamespaceDeclaration = """
        using UringSafe.Abi;
        using UringSafe.Raw.Ops;
        using UringSafe.Raw.Ops.Declarations;

        [UringOp(IoUringOpcode.Timeout, "A timer in the global namespace.", "5.4", "io_uring_prep_timeout")]
        [Const(SqeSlot.Len, 1)]
        public partial struct GlobalTimeout
        {
            [Required(SqeSlot.Addr, "Address of the timespec.")] private nint _timespec;
            [Optional(SqeSlot.OpFlags, "Timeout flags.")] private TimeoutFlags _timeoutFlags;
        }
        """;

    /// <summary>Declarations the generator must skip without failing.</summary>
    public const string InvalidDeclarations = """
        using UringSafe.Abi;
        using UringSafe.Raw.Ops.Declarations;

        namespace UringSafe.Raw.Ops.Invalid;

        [UringOp(IoUringOpcode.Nop, "Not partial.", "5.1", "x")]
        public struct NotPartial { }

        [UringOp(IoUringOpcode.Nop, "Readonly.", "5.1", "x")]
        public readonly partial struct ReadOnlyBuilder { }

        [UringOp(IoUringOpcode.Nop, "Both attributes.", "5.1", "x")]
        public partial struct BothAttributes
        {
            [Required(SqeSlot.Len, "a")][Optional(SqeSlot.Len, "b")] private uint _value;
        }

        [UringOp(IoUringOpcode.Nop, "FileRef outside the fd slot.", "5.1", "x")]
        public partial struct FileRefInAddr
        {
            [Required(SqeSlot.Addr, "a")] private UringSafe.Raw.FileRef _file;
        }

        [UringOp(IoUringOpcode.Nop, "A setter that would clash with the common Flags setter.", "5.1", "x")]
        public partial struct ReservedName
        {
            [Optional(SqeSlot.OpFlags, "a")] private uint _flags;
        }

        [UringOp(IoUringOpcode.Nop, "A field type the generator cannot convert.", "5.1", "x")]
        public partial struct UnsupportedType
        {
            [Optional(SqeSlot.Addr, "a")] private string _text;
        }

        public partial class Outer
        {
            [UringOp(IoUringOpcode.Nop, "Nested.", "5.1", "x")]
            public partial struct Nested { }
        }
        """;
}
