using UringSafe.Abi;
using UringSafe.Raw.Ops.Declarations;

namespace UringSafe.Raw.Ops;

// Socket opcodes. A "fileSlot" operand uses the kernel's encoding for a direct-descriptor target:
// the registered-file index plus one, or IoUringConstants.FileIndexAlloc to let the kernel pick a free slot
// (the completion's result is then the slot it chose).

[UringOp(IoUringOpcode.Accept, "Accepts one connection on a listening socket (accept4).", "5.5", "io_uring_prep_accept")]
public partial struct Accept
{
    [Required(SqeSlot.Fd, "The listening socket.")] private FileRef _fd;
    [Optional(SqeSlot.Addr, "Address of a sockaddr buffer that receives the peer's address, or 0.")] private nint _peerAddress;
    [Optional(SqeSlot.Off, "Address of a socklen_t holding the buffer's size on entry and the address's length on return, or 0.")] private nint _peerAddressLength;
    [Optional(SqeSlot.OpFlags, "SOCK_NONBLOCK / SOCK_CLOEXEC for the new socket, as for accept4(2).")] private uint _acceptFlags;
    [Optional(SqeSlot.IoPrio, "IORING_ACCEPT_* behaviour bits, such as DontWait or PollFirst.")] private AcceptIoPrio _ioPrio;
}

[UringOp(IoUringOpcode.Accept, "Accepts connections on a listening socket until cancelled or failed, posting one completion per connection.", "5.19", "io_uring_prep_multishot_accept")]
[Const(SqeSlot.IoPrio, 1 /* IORING_ACCEPT_MULTISHOT */)]
public partial struct AcceptMultishot
{
    [Required(SqeSlot.Fd, "The listening socket.")] private FileRef _fd;
    [Optional(SqeSlot.Addr, "Address of a sockaddr buffer that receives each peer's address, or 0.")] private nint _peerAddress;
    [Optional(SqeSlot.Off, "Address of a socklen_t holding the buffer's size, or 0.")] private nint _peerAddressLength;
    [Optional(SqeSlot.OpFlags, "SOCK_NONBLOCK / SOCK_CLOEXEC for each new socket, as for accept4(2).")] private uint _acceptFlags;
    [Optional(SqeSlot.IoPrio, "Further IORING_ACCEPT_* bits, such as PollFirst.")] private AcceptIoPrio _ioPrio;
}

[UringOp(IoUringOpcode.Accept, "Accepts one connection straight into the ring's registered file table instead of the process's descriptor table.", "5.15", "io_uring_prep_accept_direct")]
public partial struct AcceptDirect
{
    [Required(SqeSlot.Fd, "The listening socket.")] private FileRef _fd;
    [Required(SqeSlot.SpliceFdIn, "Target slot: the registered-file index plus one, or IoUringConstants.FileIndexAlloc to let the kernel pick one.")] private uint _fileSlot;
    [Optional(SqeSlot.Addr, "Address of a sockaddr buffer that receives the peer's address, or 0.")] private nint _peerAddress;
    [Optional(SqeSlot.Off, "Address of a socklen_t holding the buffer's size, or 0.")] private nint _peerAddressLength;
    [Optional(SqeSlot.OpFlags, "SOCK_NONBLOCK for the new socket (SOCK_CLOEXEC does not apply to direct descriptors).")] private uint _acceptFlags;
    [Optional(SqeSlot.IoPrio, "IORING_ACCEPT_* behaviour bits, such as DontWait or PollFirst.")] private AcceptIoPrio _ioPrio;
}

[UringOp(IoUringOpcode.Accept, "Accepts connections until cancelled or failed, each into a registered-file slot the kernel picks.", "5.19", "io_uring_prep_multishot_accept_direct")]
[Const(SqeSlot.IoPrio, 1 /* IORING_ACCEPT_MULTISHOT */)]
[Const(SqeSlot.SpliceFdIn, IoUringConstants.FileIndexAlloc)]
public partial struct AcceptMultishotDirect
{
    [Required(SqeSlot.Fd, "The listening socket.")] private FileRef _fd;
    [Optional(SqeSlot.Addr, "Address of a sockaddr buffer that receives each peer's address, or 0.")] private nint _peerAddress;
    [Optional(SqeSlot.Off, "Address of a socklen_t holding the buffer's size, or 0.")] private nint _peerAddressLength;
    [Optional(SqeSlot.OpFlags, "SOCK_NONBLOCK for each new socket.")] private uint _acceptFlags;
    [Optional(SqeSlot.IoPrio, "Further IORING_ACCEPT_* bits, such as PollFirst.")] private AcceptIoPrio _ioPrio;
}

[UringOp(IoUringOpcode.Connect, "Connects a socket to an address (connect).", "5.5", "io_uring_prep_connect")]
public partial struct Connect
{
    [Required(SqeSlot.Fd, "The socket to connect.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the sockaddr to connect to.")] private nint _address;
    [Required(SqeSlot.Off, "Length in bytes of that sockaddr.")] private uint _addressLength;
}

[UringOp(IoUringOpcode.Socket, "Creates a socket and returns its descriptor as the result (socket).", "5.19", "io_uring_prep_socket")]
public partial struct Socket
{
    [Required(SqeSlot.Fd, "Address family, such as AF_INET.")] private int _domain;
    [Required(SqeSlot.Off, "Socket type, such as SOCK_STREAM, optionally OR-ed with SOCK_NONBLOCK or SOCK_CLOEXEC.")] private int _type;
    [Optional(SqeSlot.Len, "Protocol; 0 picks the family's default for the type.")] private int _protocol;
}

[UringOp(IoUringOpcode.Socket, "Creates a socket straight into the ring's registered file table.", "5.19", "io_uring_prep_socket_direct")]
public partial struct SocketDirect
{
    [Required(SqeSlot.Fd, "Address family, such as AF_INET.")] private int _domain;
    [Required(SqeSlot.Off, "Socket type, such as SOCK_STREAM, optionally OR-ed with SOCK_NONBLOCK.")] private int _type;
    [Required(SqeSlot.SpliceFdIn, "Target slot: the registered-file index plus one, or IoUringConstants.FileIndexAlloc to let the kernel pick one.")] private uint _fileSlot;
    [Optional(SqeSlot.Len, "Protocol; 0 picks the family's default for the type.")] private int _protocol;
}

[UringOp(IoUringOpcode.Bind, "Binds a socket to a local address (bind).", "6.11", "io_uring_prep_bind")]
public partial struct Bind
{
    [Required(SqeSlot.Fd, "The socket to bind.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the sockaddr to bind to.")] private nint _address;
    [Required(SqeSlot.Off, "Length in bytes of that sockaddr.")] private uint _addressLength;
}

[UringOp(IoUringOpcode.Listen, "Marks a bound socket as listening for connections (listen).", "6.11", "io_uring_prep_listen")]
public partial struct Listen
{
    [Required(SqeSlot.Fd, "The bound socket.")] private FileRef _fd;
    [Required(SqeSlot.Len, "Maximum length of the queue of pending connections.")] private int _backlog;
}

[UringOp(IoUringOpcode.Send, "Sends one buffer on a socket (send, or sendto with a destination).", "5.6", "io_uring_prep_send")]
public partial struct Send
{
    [Required(SqeSlot.Fd, "The socket to send on.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the data to send.")] private nint _buffer;
    [Required(SqeSlot.Len, "Number of bytes to send.")] private uint _length;
    [Optional(SqeSlot.OpFlags, "MSG_* flags, as for send(2).")] private uint _msgFlags;
    [Optional(SqeSlot.IoPrio, "IORING_RECVSEND_* bits, such as PollFirst.")] private RecvSendIoPrio _ioPrio;
    [Optional(SqeSlot.Off, "Address of a destination sockaddr for an unconnected socket (sendto), or 0.")] private nint _destination;
    [Optional(SqeSlot.AddrLen, "Length in bytes of the destination sockaddr.")] private ushort _destinationLength;
}

[UringOp(IoUringOpcode.Send, "Sends the contents of several buffers from a provided-buffer group in one operation (bundle).", "6.10", "io_uring_prep_send_bundle",
    SqeFlags = SqeFlags.BufferSelect)]
[Const(SqeSlot.IoPrio, 1 << 4 /* IORING_RECVSEND_BUNDLE */)]
public partial struct SendBundle
{
    [Required(SqeSlot.Fd, "The socket to send on.")] private FileRef _fd;
    [Required(SqeSlot.BufIndex, "The provided-buffer group whose filled buffers are sent.")] private ushort _bufferGroup;
    [Optional(SqeSlot.Len, "Bytes to send at most; 0 sends every buffer that is ready.")] private uint _length;
    [Optional(SqeSlot.OpFlags, "MSG_* flags, as for send(2).")] private uint _msgFlags;
}

[UringOp(IoUringOpcode.Recv, "Receives into one buffer from a socket (recv).", "5.6", "io_uring_prep_recv")]
public partial struct Recv
{
    [Required(SqeSlot.Fd, "The socket to receive from.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the destination buffer.")] private nint _buffer;
    [Required(SqeSlot.Len, "Size of the destination buffer.")] private uint _length;
    [Optional(SqeSlot.OpFlags, "MSG_* flags, as for recv(2).")] private uint _msgFlags;
    [Optional(SqeSlot.IoPrio, "IORING_RECVSEND_* bits, such as PollFirst.")] private RecvSendIoPrio _ioPrio;
}

[UringOp(IoUringOpcode.Recv, "Receives repeatedly from a socket into buffers picked from a provided-buffer group, posting one completion per receive.", "6.0", "io_uring_prep_recv_multishot",
    SqeFlags = SqeFlags.BufferSelect)]
[Const(SqeSlot.IoPrio, 1 << 1 /* IORING_RECV_MULTISHOT */)]
public partial struct RecvMultishot
{
    [Required(SqeSlot.Fd, "The socket to receive from.")] private FileRef _fd;
    [Required(SqeSlot.BufIndex, "The provided-buffer group to take buffers from.")] private ushort _bufferGroup;
    [Optional(SqeSlot.Len, "Bytes to receive at most per completion; 0 uses the size of each picked buffer (older kernels reject anything else).")] private uint _length;
    [Optional(SqeSlot.OpFlags, "MSG_* flags, as for recv(2).")] private uint _msgFlags;
    [Optional(SqeSlot.IoPrio, "Further IORING_RECVSEND_* bits, such as PollFirst or Bundle.")] private RecvSendIoPrio _ioPrio;
}

[UringOp(IoUringOpcode.Recv, "Receives into as many buffers of a provided-buffer group as the available data fills, in one completion (bundle).", "6.10", "io_uring_prep_recv",
    SqeFlags = SqeFlags.BufferSelect)]
[Const(SqeSlot.IoPrio, 1 << 4 /* IORING_RECVSEND_BUNDLE */)]
public partial struct RecvBundle
{
    [Required(SqeSlot.Fd, "The socket to receive from.")] private FileRef _fd;
    [Required(SqeSlot.BufIndex, "The provided-buffer group to take buffers from.")] private ushort _bufferGroup;
    [Optional(SqeSlot.Len, "Bytes to receive at most; 0 means no limit beyond the buffers.")] private uint _length;
    [Optional(SqeSlot.OpFlags, "MSG_* flags, as for recv(2).")] private uint _msgFlags;
    [Optional(SqeSlot.IoPrio, "Further IORING_RECVSEND_* bits; RecvMultishot makes the bundle receive multishot.")] private RecvSendIoPrio _ioPrio;
}

[UringOp(IoUringOpcode.SendMsg, "Sends a message described by a msghdr on a socket (sendmsg).", "5.3", "io_uring_prep_sendmsg")]
[Const(SqeSlot.Len, 1)]
public partial struct SendMsg
{
    [Required(SqeSlot.Fd, "The socket to send on.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the msghdr; it must stay valid until the operation has been submitted.")] private nint _message;
    [Optional(SqeSlot.OpFlags, "MSG_* flags, as for sendmsg(2).")] private uint _msgFlags;
    [Optional(SqeSlot.IoPrio, "IORING_RECVSEND_* bits, such as PollFirst.")] private RecvSendIoPrio _ioPrio;
}

[UringOp(IoUringOpcode.RecvMsg, "Receives a message described by a msghdr from a socket (recvmsg).", "5.3", "io_uring_prep_recvmsg")]
[Const(SqeSlot.Len, 1)]
public partial struct RecvMsg
{
    [Required(SqeSlot.Fd, "The socket to receive from.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the msghdr; it must stay valid until the operation has been submitted.")] private nint _message;
    [Optional(SqeSlot.OpFlags, "MSG_* flags, as for recvmsg(2).")] private uint _msgFlags;
    [Optional(SqeSlot.IoPrio, "IORING_RECVSEND_* bits, such as PollFirst.")] private RecvSendIoPrio _ioPrio;
}

[UringOp(IoUringOpcode.RecvMsg, "Receives messages repeatedly into buffers of a provided-buffer group; each buffer starts with an io_uring_recvmsg_out header.", "6.0", "io_uring_prep_recvmsg_multishot",
    SqeFlags = SqeFlags.BufferSelect)]
[Const(SqeSlot.Len, 1)]
[Const(SqeSlot.IoPrio, 1 << 1 /* IORING_RECV_MULTISHOT */)]
public partial struct RecvMsgMultishot
{
    [Required(SqeSlot.Fd, "The socket to receive from.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of a msghdr template: only its name and control lengths are used.")] private nint _message;
    [Required(SqeSlot.BufIndex, "The provided-buffer group to take buffers from.")] private ushort _bufferGroup;
    [Optional(SqeSlot.OpFlags, "MSG_* flags, as for recvmsg(2).")] private uint _msgFlags;
}

[UringOp(IoUringOpcode.Shutdown, "Shuts down part of a full-duplex connection (shutdown).", "5.11", "io_uring_prep_shutdown")]
public partial struct Shutdown
{
    [Required(SqeSlot.Fd, "The socket.")] private FileRef _fd;
    [Required(SqeSlot.Len, "SHUT_RD, SHUT_WR or SHUT_RDWR.")] private int _how;
}

[UringOp(IoUringOpcode.SendZc, "Sends one buffer on a socket without copying it; a second completion says when the buffer may be reused.", "6.0", "io_uring_prep_send_zc")]
public partial struct SendZc
{
    [Required(SqeSlot.Fd, "The socket to send on.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the data to send; keep it unchanged until the notification completion.")] private nint _buffer;
    [Required(SqeSlot.Len, "Number of bytes to send.")] private uint _length;
    [Optional(SqeSlot.OpFlags, "MSG_* flags, as for send(2).")] private uint _msgFlags;
    [Optional(SqeSlot.IoPrio, "IORING_RECVSEND_* and zero-copy bits, such as PollFirst or SendZcReportUsage.")] private RecvSendIoPrio _zcFlags;
    [Optional(SqeSlot.Off, "Address of a destination sockaddr for an unconnected socket, or 0.")] private nint _destination;
    [Optional(SqeSlot.AddrLen, "Length in bytes of the destination sockaddr.")] private ushort _destinationLength;
}

[UringOp(IoUringOpcode.SendZc, "Sends part of a registered buffer on a socket without copying it.", "6.0", "io_uring_prep_send_zc_fixed")]
[Const(SqeSlot.IoPrio, 1 << 2 /* IORING_RECVSEND_FIXED_BUF */)]
public partial struct SendZcFixed
{
    [Required(SqeSlot.Fd, "The socket to send on.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the data, inside the registered buffer.")] private nint _buffer;
    [Required(SqeSlot.Len, "Number of bytes to send.")] private uint _length;
    [Required(SqeSlot.BufIndex, "Index of the registered buffer that contains the data.")] private ushort _bufIndex;
    [Optional(SqeSlot.OpFlags, "MSG_* flags, as for send(2).")] private uint _msgFlags;
    [Optional(SqeSlot.IoPrio, "Further IORING_RECVSEND_* bits, such as PollFirst or SendZcReportUsage.")] private RecvSendIoPrio _zcFlags;
    [Optional(SqeSlot.Off, "Address of a destination sockaddr for an unconnected socket, or 0.")] private nint _destination;
    [Optional(SqeSlot.AddrLen, "Length in bytes of the destination sockaddr.")] private ushort _destinationLength;
}

[UringOp(IoUringOpcode.SendMsgZc, "Sends a message described by a msghdr without copying its data; a second completion says when the buffers may be reused.", "6.1", "io_uring_prep_sendmsg_zc")]
[Const(SqeSlot.Len, 1)]
public partial struct SendMsgZc
{
    [Required(SqeSlot.Fd, "The socket to send on.")] private FileRef _fd;
    [Required(SqeSlot.Addr, "Address of the msghdr.")] private nint _message;
    [Optional(SqeSlot.OpFlags, "MSG_* flags, as for sendmsg(2).")] private uint _msgFlags;
    [Optional(SqeSlot.IoPrio, "IORING_RECVSEND_* and zero-copy bits, such as PollFirst or SendZcReportUsage.")] private RecvSendIoPrio _zcFlags;
}

[UringOp(IoUringOpcode.UringCmd, "Reads a socket option through the socket's uring_cmd handler (getsockopt).", "6.7", "io_uring_prep_cmd_sock")]
[Const(SqeSlot.CmdOp, 2 /* SOCKET_URING_OP_GETSOCKOPT */)]
public partial struct GetSockOpt
{
    [Required(SqeSlot.Fd, "The socket.")] private FileRef _fd;
    [Required(SqeSlot.Level, "Protocol level, such as SOL_SOCKET.")] private int _level;
    [Required(SqeSlot.OptName, "Option name, such as SO_RCVBUF.")] private int _optName;
    [Required(SqeSlot.Addr3, "Address of the buffer that receives the value.")] private nint _optValue;
    [Required(SqeSlot.SpliceFdIn, "Size in bytes of that buffer; the completion's result is the value's length.")] private int _optLength;
}

[UringOp(IoUringOpcode.UringCmd, "Sets a socket option through the socket's uring_cmd handler (setsockopt).", "6.7", "io_uring_prep_cmd_sock")]
[Const(SqeSlot.CmdOp, 3 /* SOCKET_URING_OP_SETSOCKOPT */)]
public partial struct SetSockOpt
{
    [Required(SqeSlot.Fd, "The socket.")] private FileRef _fd;
    [Required(SqeSlot.Level, "Protocol level, such as SOL_SOCKET.")] private int _level;
    [Required(SqeSlot.OptName, "Option name, such as SO_REUSEADDR.")] private int _optName;
    [Required(SqeSlot.Addr3, "Address of the new value.")] private nint _optValue;
    [Required(SqeSlot.SpliceFdIn, "Size in bytes of the new value.")] private int _optLength;
}
