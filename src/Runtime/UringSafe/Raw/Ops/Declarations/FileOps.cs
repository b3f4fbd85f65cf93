using UringSafe.Abi;
using UringSafe.Raw.Ops.Declarations;

namespace UringSafe.Raw.Ops;

// File and file-system opcodes. Paths are addresses of NUL-terminated strings that must stay valid until
// the operation has been submitted. A "fileSlot" operand uses the kernel's direct-descriptor encoding:
// the registered-file index plus one, or IoUringConstants.FileIndexAlloc to let the kernel pick a free slot.

[UringOp(IoUringOpcode.OpenAt, "Opens a file relative to a directory descriptor and returns the new descriptor (openat).", "5.6", "io_uring_prep_openat")]
public partial struct OpenAt
{
    [Required(SqeSlot.Addr, "Address of the path.")] private nint _path;
    [Required(SqeSlot.OpFlags, "O_* open flags, as for openat(2).")] private int _openFlags;
    [Optional(SqeSlot.Fd, "Directory a relative path is resolved against; defaults to IoUringConstants.AtFdCwd.")] private int _dirFd = IoUringConstants.AtFdCwd;
    [Optional(SqeSlot.Len, "Permission bits for a file that O_CREAT or O_TMPFILE creates.")] private uint _mode;
}

[UringOp(IoUringOpcode.OpenAt, "Opens a file straight into the ring's registered file table (openat).", "5.15", "io_uring_prep_openat_direct")]
public partial struct OpenAtDirect
{
    [Required(SqeSlot.Addr, "Address of the path.")] private nint _path;
    [Required(SqeSlot.OpFlags, "O_* open flags, as for openat(2); O_CLOEXEC does not apply to direct descriptors.")] private int _openFlags;
    [Required(SqeSlot.SpliceFdIn, "Target slot: the registered-file index plus one, or IoUringConstants.FileIndexAlloc to let the kernel pick one.")] private uint _fileSlot;
    [Optional(SqeSlot.Fd, "Directory a relative path is resolved against; defaults to IoUringConstants.AtFdCwd.")] private int _dirFd = IoUringConstants.AtFdCwd;
    [Optional(SqeSlot.Len, "Permission bits for a file that O_CREAT or O_TMPFILE creates.")] private uint _mode;
}

[UringOp(IoUringOpcode.OpenAt2, "Opens a file as described by a struct open_how (openat2).", "5.6", "io_uring_prep_openat2")]
public partial struct OpenAt2
{
    [Required(SqeSlot.Addr, "Address of the path.")] private nint _path;
    [Required(SqeSlot.Off, "Address of the struct open_how.")] private nint _how;
    [Optional(SqeSlot.Fd, "Directory a relative path is resolved against; defaults to IoUringConstants.AtFdCwd.")] private int _dirFd = IoUringConstants.AtFdCwd;
    [Optional(SqeSlot.Len, "Size in bytes of the struct open_how; defaults to 24, the size of its first version.")] private uint _howSize = 24;
}

[UringOp(IoUringOpcode.OpenAt2, "Opens a file as described by a struct open_how straight into the ring's registered file table.", "5.15", "io_uring_prep_openat2_direct")]
public partial struct OpenAt2Direct
{
    [Required(SqeSlot.Addr, "Address of the path.")] private nint _path;
    [Required(SqeSlot.Off, "Address of the struct open_how.")] private nint _how;
    [Required(SqeSlot.SpliceFdIn, "Target slot: the registered-file index plus one, or IoUringConstants.FileIndexAlloc to let the kernel pick one.")] private uint _fileSlot;
    [Optional(SqeSlot.Fd, "Directory a relative path is resolved against; defaults to IoUringConstants.AtFdCwd.")] private int _dirFd = IoUringConstants.AtFdCwd;
    [Optional(SqeSlot.Len, "Size in bytes of the struct open_how; defaults to 24, the size of its first version.")] private uint _howSize = 24;
}

[UringOp(IoUringOpcode.Close, "Closes a file descriptor of the process (close).", "5.6", "io_uring_prep_close")]
public partial struct Close
{
    [Required(SqeSlot.Fd, "The descriptor to close.")] private int _fd;
}

[UringOp(IoUringOpcode.Close, "Removes a descriptor from the ring's registered file table.", "5.15", "io_uring_prep_close_direct")]
public partial struct CloseFixed
{
    [Required(SqeSlot.SpliceFdIn, "The slot to empty, in the kernel's encoding: the registered-file index plus one.")] private uint _fileSlot;
}

[UringOp(IoUringOpcode.Statx, "Reads a file's attributes into a struct statx (statx).", "5.6", "io_uring_prep_statx")]
public partial struct Statx
{
    [Required(SqeSlot.Addr, "Address of the path; an empty string with AT_EMPTY_PATH means the directory descriptor itself.")] private nint _path;
    [Required(SqeSlot.Len, "STATX_* mask of the attributes wanted.")] private uint _mask;
    [Required(SqeSlot.Off, "Address of the struct statx that receives the attributes.")] private nint _statxBuffer;
    [Optional(SqeSlot.Fd, "Directory a relative path is resolved against; defaults to IoUringConstants.AtFdCwd.")] private int _dirFd = IoUringConstants.AtFdCwd;
    [Optional(SqeSlot.OpFlags, "AT_* flags, as for statx(2).")] private int _statxFlags;
}

[UringOp(IoUringOpcode.Fsync, "Flushes a file's data, and unless Datasync its metadata, to storage (fsync / fdatasync).", "5.1", "io_uring_prep_fsync")]
public partial struct Fsync
{
    [Required(SqeSlot.Fd, "The file to flush.")] private FileRef _fd;
    [Optional(SqeSlot.OpFlags, "IORING_FSYNC_* flags; Datasync flushes only what is needed to read the data back.")] private FsyncFlags _fsyncFlags;
    [Optional(SqeSlot.Off, "Start of the byte range to flush.")] private ulong _offset;
    [Optional(SqeSlot.Len, "Length of the byte range to flush; 0 means to the end of the file.")] private uint _length;
}

[UringOp(IoUringOpcode.SyncFileRange, "Starts or waits for write-back of a byte range of a file (sync_file_range).", "5.2", "io_uring_prep_sync_file_range")]
public partial struct SyncFileRange
{
    [Required(SqeSlot.Fd, "The file.")] private FileRef _fd;
    [Required(SqeSlot.Off, "Start of the byte range.")] private ulong _offset;
    [Required(SqeSlot.Len, "Length of the byte range; 0 means to the end of the file.")] private uint _length;
    [Optional(SqeSlot.OpFlags, "SYNC_FILE_RANGE_* flags, as for sync_file_range(2).")] private uint _syncRangeFlags;
}

[UringOp(IoUringOpcode.Fallocate, "Allocates, deallocates or zeroes a byte range of a file (fallocate).", "5.6", "io_uring_prep_fallocate")]
public partial struct Fallocate
{
    [Required(SqeSlot.Fd, "The file.")] private FileRef _fd;
    [Required(SqeSlot.Off, "Start of the byte range.")] private ulong _offset;
    [Required(SqeSlot.Addr, "Length of the byte range.")] private ulong _length;
    [Optional(SqeSlot.Len, "FALLOC_FL_* mode, as for fallocate(2); 0 allocates and extends the file.")] private int _mode;
}

[UringOp(IoUringOpcode.Fadvise, "Declares an access pattern for a byte range of a file (posix_fadvise).", "5.6", "io_uring_prep_fadvise")]
public partial struct Fadvise
{
    [Required(SqeSlot.Fd, "The file.")] private FileRef _fd;
    [Required(SqeSlot.Off, "Start of the byte range.")] private ulong _offset;
    [Required(SqeSlot.Len, "Length of the byte range; 0 means to the end of the file.")] private uint _length;
    [Required(SqeSlot.OpFlags, "POSIX_FADV_* advice.")] private int _advice;
}

[UringOp(IoUringOpcode.Madvise, "Declares an access pattern for a range of the process's memory (madvise).", "5.6", "io_uring_prep_madvise")]
public partial struct Madvise
{
    [Required(SqeSlot.Addr, "Start of the memory range (page-aligned).")] private nint _address;
    [Required(SqeSlot.Len, "Length of the memory range.")] private uint _length;
    [Required(SqeSlot.OpFlags, "MADV_* advice.")] private int _advice;
}

[UringOp(IoUringOpcode.Ftruncate, "Sets a file's size (ftruncate).", "6.9", "io_uring_prep_ftruncate")]
public partial struct Ftruncate
{
    [Required(SqeSlot.Fd, "The file.")] private FileRef _fd;
    [Required(SqeSlot.Off, "The new size in bytes.")] private long _length;
}

[UringOp(IoUringOpcode.RenameAt, "Renames a file, each path relative to its own directory descriptor (renameat2).", "5.11", "io_uring_prep_renameat")]
public partial struct RenameAt
{
    [Required(SqeSlot.Addr, "Address of the existing path.")] private nint _oldPath;
    [Required(SqeSlot.Off, "Address of the new path.")] private nint _newPath;
    [Optional(SqeSlot.Fd, "Directory the old path is resolved against; defaults to IoUringConstants.AtFdCwd.")] private int _oldDirFd = IoUringConstants.AtFdCwd;
    [Optional(SqeSlot.Len, "Directory the new path is resolved against; defaults to IoUringConstants.AtFdCwd.")] private int _newDirFd = IoUringConstants.AtFdCwd;
    [Optional(SqeSlot.OpFlags, "RENAME_* flags, as for renameat2(2).")] private uint _renameFlags;
}

[UringOp(IoUringOpcode.UnlinkAt, "Removes a directory entry, or with AT_REMOVEDIR an empty directory (unlinkat).", "5.11", "io_uring_prep_unlinkat")]
public partial struct UnlinkAt
{
    [Required(SqeSlot.Addr, "Address of the path.")] private nint _path;
    [Optional(SqeSlot.Fd, "Directory a relative path is resolved against; defaults to IoUringConstants.AtFdCwd.")] private int _dirFd = IoUringConstants.AtFdCwd;
    [Optional(SqeSlot.OpFlags, "0, or AT_REMOVEDIR to remove a directory.")] private int _unlinkFlags;
}

[UringOp(IoUringOpcode.MkdirAt, "Creates a directory (mkdirat).", "5.15", "io_uring_prep_mkdirat")]
public partial struct MkdirAt
{
    [Required(SqeSlot.Addr, "Address of the path.")] private nint _path;
    [Required(SqeSlot.Len, "Permission bits of the new directory, before the umask.")] private uint _mode;
    [Optional(SqeSlot.Fd, "Directory a relative path is resolved against; defaults to IoUringConstants.AtFdCwd.")] private int _dirFd = IoUringConstants.AtFdCwd;
}

[UringOp(IoUringOpcode.SymlinkAt, "Creates a symbolic link (symlinkat).", "5.15", "io_uring_prep_symlinkat")]
public partial struct SymlinkAt
{
    [Required(SqeSlot.Addr, "Address of the link's target text.")] private nint _target;
    [Required(SqeSlot.Off, "Address of the path of the link to create.")] private nint _linkPath;
    [Optional(SqeSlot.Fd, "Directory a relative link path is resolved against; defaults to IoUringConstants.AtFdCwd.")] private int _newDirFd = IoUringConstants.AtFdCwd;
}

[UringOp(IoUringOpcode.LinkAt, "Creates a hard link (linkat).", "5.15", "io_uring_prep_linkat")]
public partial struct LinkAt
{
    [Required(SqeSlot.Addr, "Address of the existing path.")] private nint _oldPath;
    [Required(SqeSlot.Off, "Address of the new path.")] private nint _newPath;
    [Optional(SqeSlot.Fd, "Directory the old path is resolved against; defaults to IoUringConstants.AtFdCwd.")] private int _oldDirFd = IoUringConstants.AtFdCwd;
    [Optional(SqeSlot.Len, "Directory the new path is resolved against; defaults to IoUringConstants.AtFdCwd.")] private int _newDirFd = IoUringConstants.AtFdCwd;
    [Optional(SqeSlot.OpFlags, "AT_* flags, such as AT_SYMLINK_FOLLOW, as for linkat(2).")] private int _linkFlags;
}

[UringOp(IoUringOpcode.FSetXattr, "Sets an extended attribute of an open file (fsetxattr).", "5.19", "io_uring_prep_fsetxattr")]
public partial struct FSetXattr
{
    [Required(SqeSlot.Fd, "The file.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the attribute's NUL-terminated name.")] private nint _name;
    [Required(SqeSlot.Off, "Address of the value.")] private nint _value;
    [Required(SqeSlot.Len, "Length in bytes of the value.")] private uint _length;
    [Optional(SqeSlot.OpFlags, "XATTR_CREATE or XATTR_REPLACE, or 0.")] private int _xattrFlags;
}

[UringOp(IoUringOpcode.SetXattr, "Sets an extended attribute of a file named by path (setxattr).", "5.19", "io_uring_prep_setxattr")]
public partial struct SetXattr
{
    [Required(SqeSlot.Addr3, "Address of the path.")] private nint _path;
    [Required(SqeSlot.Addr, "Address of the attribute's NUL-terminated name.")] private nint _name;
    [Required(SqeSlot.Off, "Address of the value.")] private nint _value;
    [Required(SqeSlot.Len, "Length in bytes of the value.")] private uint _length;
    [Optional(SqeSlot.OpFlags, "XATTR_CREATE or XATTR_REPLACE, or 0.")] private int _xattrFlags;
}

[UringOp(IoUringOpcode.FGetXattr, "Reads an extended attribute of an open file (fgetxattr).", "5.19", "io_uring_prep_fgetxattr")]
public partial struct FGetXattr
{
    [Required(SqeSlot.Fd, "The file.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the attribute's NUL-terminated name.")] private nint _name;
    [Required(SqeSlot.Off, "Address of the buffer that receives the value.")] private nint _value;
    [Required(SqeSlot.Len, "Size in bytes of that buffer; 0 asks only for the value's length.")] private uint _length;
}

[UringOp(IoUringOpcode.GetXattr, "Reads an extended attribute of a file named by path (getxattr).", "5.19", "io_uring_prep_getxattr")]
public partial struct GetXattr
{
    [Required(SqeSlot.Addr3, "Address of the path.")] private nint _path;
    [Required(SqeSlot.Addr, "Address of the attribute's NUL-terminated name.")] private nint _name;
    [Required(SqeSlot.Off, "Address of the buffer that receives the value.")] private nint _value;
    [Required(SqeSlot.Len, "Size in bytes of that buffer; 0 asks only for the value's length.")] private uint _length;
}

[UringOp(IoUringOpcode.FilesUpdate, "Replaces entries of the ring's registered file table with descriptors from an array.", "5.6", "io_uring_prep_files_update")]
public partial struct FilesUpdate
{
    [Required(SqeSlot.Addr, "Address of an array of int descriptors (-1 empties a slot).")] private nint _fds;
    [Required(SqeSlot.Len, "Number of descriptors in the array.")] private uint _count;
    [Required(SqeSlot.Off, "First table index to update; -1 (IORING_FILE_INDEX_ALLOC) places them in free slots and writes the chosen indexes back to the array.")] private int _offset;
}

[UringOp(IoUringOpcode.FixedFdInstall, "Installs a registered (direct) descriptor into the process's descriptor table and returns the new descriptor.", "6.8", "io_uring_prep_fixed_fd_install",
    SqeFlags = SqeFlags.FixedFile)]
public partial struct FixedFdInstall
{
    [Required(SqeSlot.Fd, "Index of the registered file to install.")] private int _fileIndex;
    [Optional(SqeSlot.OpFlags, "IORING_FIXED_FD_* flags; the new descriptor is close-on-exec unless NoCloexec.")] private FixedFdInstallFlags _installFlags;
}

[UringOp(IoUringOpcode.Pipe, "Creates a pipe and writes its two descriptors to an int[2] (pipe2).", "6.16", "io_uring_prep_pipe")]
public partial struct Pipe
{
    [Required(SqeSlot.Addr, "Address of an int[2] that receives the read and write descriptors.")] private nint _fds;
    [Optional(SqeSlot.OpFlags, "O_* flags, as for pipe2(2).")] private int _pipeFlags;
}

[UringOp(IoUringOpcode.Pipe, "Creates a pipe whose two ends go straight into the ring's registered file table.", "6.16", "io_uring_prep_pipe_direct")]
public partial struct PipeDirect
{
    [Required(SqeSlot.Addr, "Address of an int[2] that receives the two registered-file indexes.")] private nint _fds;
    [Required(SqeSlot.SpliceFdIn, "First target slot: the registered-file index plus one, or IoUringConstants.FileIndexAlloc to let the kernel pick two.")] private uint _fileSlot;
    [Optional(SqeSlot.OpFlags, "O_* flags, as for pipe2(2).")] private int _pipeFlags;
}
