using UringSafe.Abi;
using UringSafe.Raw.Ops.Declarations;

namespace UringSafe.Raw.Ops;

// Read and write opcodes. Field order is constructor parameter order; the generator fills in the rest.

[UringOp(IoUringOpcode.Read, "Reads from a file into one buffer, at an offset or at the file position.", "5.6", "io_uring_prep_read")]
public partial struct Read
{
    [Required(SqeSlot.Fd, "The file to read.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the destination buffer.")] private nint _buffer;
    [Required(SqeSlot.Len, "Number of bytes to read at most.")] private uint _length;
    [Optional(SqeSlot.Off, "File offset to read at; IoUringConstants.CurrentPosition reads at the file position and advances it.")] private ulong _offset;
    [Optional(SqeSlot.OpFlags, "RWF_* flags, as for preadv2(2).")] private uint _rwFlags;
}

[UringOp(IoUringOpcode.Write, "Writes one buffer to a file, at an offset or at the file position.", "5.6", "io_uring_prep_write")]
public partial struct Write
{
    [Required(SqeSlot.Fd, "The file to write.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the source buffer.")] private nint _buffer;
    [Required(SqeSlot.Len, "Number of bytes to write.")] private uint _length;
    [Optional(SqeSlot.Off, "File offset to write at; IoUringConstants.CurrentPosition writes at the file position and advances it.")] private ulong _offset;
    [Optional(SqeSlot.OpFlags, "RWF_* flags, as for pwritev2(2).")] private uint _rwFlags;
}

[UringOp(IoUringOpcode.Readv, "Reads from a file into a vector of buffers (preadv2).", "5.1", "io_uring_prep_readv")]
public partial struct Readv
{
    [Required(SqeSlot.Fd, "The file to read.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of an array of iovec structures.")] private nint _iovecs;
    [Required(SqeSlot.Len, "Number of iovec entries in the array.")] private uint _count;
    [Optional(SqeSlot.Off, "File offset to read at; IoUringConstants.CurrentPosition uses the file position.")] private ulong _offset;
    [Optional(SqeSlot.OpFlags, "RWF_* flags, as for preadv2(2).")] private uint _rwFlags;
}

[UringOp(IoUringOpcode.Writev, "Writes a vector of buffers to a file (pwritev2).", "5.1", "io_uring_prep_writev")]
public partial struct Writev
{
    [Required(SqeSlot.Fd, "The file to write.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of an array of iovec structures.")] private nint _iovecs;
    [Required(SqeSlot.Len, "Number of iovec entries in the array.")] private uint _count;
    [Optional(SqeSlot.Off, "File offset to write at; IoUringConstants.CurrentPosition uses the file position.")] private ulong _offset;
    [Optional(SqeSlot.OpFlags, "RWF_* flags, as for pwritev2(2).")] private uint _rwFlags;
}

[UringOp(IoUringOpcode.ReadFixed, "Reads from a file into part of a registered buffer.", "5.1", "io_uring_prep_read_fixed")]
public partial struct ReadFixed
{
    [Required(SqeSlot.Fd, "The file to read.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the destination, inside the registered buffer.")] private nint _buffer;
    [Required(SqeSlot.Len, "Number of bytes to read at most.")] private uint _length;
    [Required(SqeSlot.BufIndex, "Index of the registered buffer that contains the destination.")] private ushort _bufIndex;
    [Optional(SqeSlot.Off, "File offset to read at; IoUringConstants.CurrentPosition uses the file position.")] private ulong _offset;
    [Optional(SqeSlot.OpFlags, "RWF_* flags, as for preadv2(2).")] private uint _rwFlags;
}

[UringOp(IoUringOpcode.WriteFixed, "Writes part of a registered buffer to a file.", "5.1", "io_uring_prep_write_fixed")]
public partial struct WriteFixed
{
    [Required(SqeSlot.Fd, "The file to write.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the source, inside the registered buffer.")] private nint _buffer;
    [Required(SqeSlot.Len, "Number of bytes to write.")] private uint _length;
    [Required(SqeSlot.BufIndex, "Index of the registered buffer that contains the source.")] private ushort _bufIndex;
    [Optional(SqeSlot.Off, "File offset to write at; IoUringConstants.CurrentPosition uses the file position.")] private ulong _offset;
    [Optional(SqeSlot.OpFlags, "RWF_* flags, as for pwritev2(2).")] private uint _rwFlags;
}

[UringOp(IoUringOpcode.ReadMultishot, "Reads repeatedly from a pollable file into buffers picked from a provided-buffer group, posting one completion per read.", "6.7", "io_uring_prep_read_multishot",
    SqeFlags = SqeFlags.BufferSelect)]
public partial struct ReadMultishot
{
    [Required(SqeSlot.Fd, "The file to read; it must support polling (a pipe, socket, eventfd or tty).")] private FileRef _fd;
    [Required(SqeSlot.BufIndex, "The provided-buffer group to take buffers from.")] private ushort _bufferGroup;
    [Optional(SqeSlot.Len, "Bytes to read at most per completion; 0 uses the size of each picked buffer.")] private uint _length;
    [Optional(SqeSlot.Off, "File offset; must be 0 or IoUringConstants.CurrentPosition for a stream.")] private ulong _offset;
}

[UringOp(IoUringOpcode.ReadvFixed, "Reads from a file into a vector of buffers that all lie inside one registered buffer.", "6.15", "io_uring_prep_readv_fixed")]
public partial struct ReadvFixed
{
    [Required(SqeSlot.Fd, "The file to read.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of an array of iovec structures pointing into the registered buffer.")] private nint _iovecs;
    [Required(SqeSlot.Len, "Number of iovec entries in the array.")] private uint _count;
    [Required(SqeSlot.BufIndex, "Index of the registered buffer the iovecs point into.")] private ushort _bufIndex;
    [Optional(SqeSlot.Off, "File offset to read at; IoUringConstants.CurrentPosition uses the file position.")] private ulong _offset;
    [Optional(SqeSlot.OpFlags, "RWF_* flags, as for preadv2(2).")] private uint _rwFlags;
}

[UringOp(IoUringOpcode.WritevFixed, "Writes a vector of buffers that all lie inside one registered buffer to a file.", "6.15", "io_uring_prep_writev_fixed")]
public partial struct WritevFixed
{
    [Required(SqeSlot.Fd, "The file to write.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of an array of iovec structures pointing into the registered buffer.")] private nint _iovecs;
    [Required(SqeSlot.Len, "Number of iovec entries in the array.")] private uint _count;
    [Required(SqeSlot.BufIndex, "Index of the registered buffer the iovecs point into.")] private ushort _bufIndex;
    [Optional(SqeSlot.Off, "File offset to write at; IoUringConstants.CurrentPosition uses the file position.")] private ulong _offset;
    [Optional(SqeSlot.OpFlags, "RWF_* flags, as for pwritev2(2).")] private uint _rwFlags;
}
