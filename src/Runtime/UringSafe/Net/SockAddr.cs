using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace UringSafe.Net;

/// <summary>Native sockaddr encoding of endpoints (AF_INET, AF_INET6, AF_UNIX) and the few libc socket calls used.</summary>
internal static unsafe class SockAddr
{
    public const int AfUnix = 1, AfInet = 2, AfInet6 = 10;
    public const int SockStream = 1, SockDgram = 2, SockNonBlock = 0x800, SockCloexec = 0x80000;
    public const int SolSocket = 1, SoReuseAddr = 2, SoKeepAlive = 9, SoReusePort = 15, SoError = 4;
    public const int IpProtoTcp = 6, TcpNoDelay = 1;
    public const int ShutRd = 0, ShutWr = 1, ShutRdWr = 2;
    public const int MsgNoSignal = 0x4000;

    /// <summary>Largest encoding (sockaddr_un); it fits the 112-byte per-operation scratch area.</summary>
    public const int MaxSize = 110;

    public static int Family(EndPoint endPoint) => endPoint switch
    {
        IPEndPoint { AddressFamily: AddressFamily.InterNetwork } => AfInet,
        IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } => AfInet6,
        UnixDomainSocketEndPoint => AfUnix,
        _ => throw new ArgumentException($"Unsupported endpoint type {endPoint.GetType().Name} ({endPoint.AddressFamily}); use IPEndPoint or UnixDomainSocketEndPoint.", nameof(endPoint)),
    };

    /// <summary>Writes <paramref name="endPoint"/> as a sockaddr into <paramref name="dst"/> and returns its length.</summary>
    public static int Write(EndPoint endPoint, byte* dst, int capacity)
    {
        var span = new Span<byte>(dst, capacity);
        span.Clear();
        switch (endPoint)
        {
            case IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetwork:
                if (capacity < 16) throw new ArgumentException("sockaddr buffer too small");
                BinaryPrimitives.WriteUInt16LittleEndian(span, AfInet);
                BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)ip.Port);
                ip.Address.TryWriteBytes(span[4..8], out _);
                return 16;
            case IPEndPoint ip6 when ip6.AddressFamily == AddressFamily.InterNetworkV6:
                if (capacity < 28) throw new ArgumentException("sockaddr buffer too small");
                BinaryPrimitives.WriteUInt16LittleEndian(span, AfInet6);
                BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)ip6.Port);
                ip6.Address.TryWriteBytes(span[8..24], out _);
                BinaryPrimitives.WriteUInt32LittleEndian(span[24..], (uint)ip6.Address.ScopeId);
                return 28;
            case UnixDomainSocketEndPoint unix:
                string path = unix.ToString();
                bool isAbstract = path.Length > 0 && (path[0] == '\0' || path[0] == '@');
                int max = 108 - (isAbstract ? 0 : 1);
                int n = Encoding.UTF8.GetByteCount(path);
                if (n > max || capacity < 2 + n + 1)
                    throw new ArgumentException($"The Unix socket path '{path}' is longer than the {max} bytes sun_path holds.", nameof(endPoint));
                BinaryPrimitives.WriteUInt16LittleEndian(span, AfUnix);
                Encoding.UTF8.GetBytes(path, span[2..]);
                if (isAbstract)
                {
                    span[2] = 0;
                    return 2 + n;
                }
                return 2 + n + 1;
            default:
                throw new ArgumentException($"Unsupported endpoint type {endPoint.GetType().Name}.", nameof(endPoint));
        }
    }

    /// <summary>Reads a sockaddr back into an endpoint (null for an unnamed or unknown one).</summary>
    public static EndPoint? Read(byte* src, int length)
    {
        if (length < 2)
            return null;
        var span = new ReadOnlySpan<byte>(src, length);
        int family = BinaryPrimitives.ReadUInt16LittleEndian(span);
        switch (family)
        {
            case AfInet when length >= 16:
                return new IPEndPoint(new IPAddress(span[4..8]), BinaryPrimitives.ReadUInt16BigEndian(span[2..]));
            case AfInet6 when length >= 28:
                return new IPEndPoint(new IPAddress(span[8..24], BinaryPrimitives.ReadUInt32LittleEndian(span[24..])), BinaryPrimitives.ReadUInt16BigEndian(span[2..]));
            case AfUnix:
                if (length <= 2)
                    return null; // unnamed (an unbound client)
                ReadOnlySpan<byte> path = span[2..];
                if (path[0] != 0)
                {
                    int nul = path.IndexOf((byte)0);
                    if (nul >= 0)
                        path = path[..nul];
                }
                return path.Length == 0 ? null : new UnixDomainSocketEndPoint(Encoding.UTF8.GetString(path));
            default:
                return null;
        }
    }

    /// <summary>Names a socket for messages (its <see cref="Async.SharedFd.Description"/>, which errors on it carry):
    /// <c>socket (local 127.0.0.1:41234, remote 127.0.0.1:5000)</c>.</summary>
    public static string Describe(string kind, EndPoint? local, EndPoint? remote)
    {
        string? l = local?.ToString(), r = remote?.ToString();
        string sides = (string.IsNullOrEmpty(l), string.IsNullOrEmpty(r)) switch
        {
            (false, false) => $" (local {l}, remote {r})",
            (false, true) => $" (local {l})",
            (true, false) => $" (remote {r})",
            _ => "",
        };
        return kind + sides;
    }

    public static EndPoint? PeerName(int fd)
    {
        byte* buf = stackalloc byte[128];
        socklen_t len = 128;
        return getpeername(fd, (sockaddr*)buf, &len) == 0 ? Read(buf, (int)len) : null;
    }

    public static EndPoint? SockName(int fd)
    {
        byte* buf = stackalloc byte[128];
        socklen_t len = 128;
        return getsockname(fd, (sockaddr*)buf, &len) == 0 ? Read(buf, (int)len) : null;
    }

    public static void SetOption(int fd, int level, int name, int value, string what)
    {
        if (setsockopt(fd, level, name, &value, sizeof(int)) != 0)
            throw new UringSocketException(errno, $"setsockopt({what})");
    }

    public static int GetOption(int fd, int level, int name, string what)
    {
        int value = 0;
        socklen_t len = sizeof(int);
        if (getsockopt(fd, level, name, &value, &len) != 0)
            throw new UringSocketException(errno, $"getsockopt({what})");
        return value;
    }

    /// <summary>socket(2), close-on-exec.</summary>
    public static int Socket(int family, int type, string what)
    {
        int fd = socket(family, type | SockCloexec, 0);
        if (fd < 0)
            throw new UringSocketException(errno, what);
        return fd;
    }

    public static void Bind(int fd, EndPoint endPoint)
    {
        byte* buf = stackalloc byte[MaxSize];
        int len = Write(endPoint, buf, MaxSize);
        if (bind(fd, (sockaddr*)buf, len) != 0)
            throw new UringSocketException(errno, $"Bind({endPoint})");
    }

    public static void Listen(int fd, int backlog, EndPoint endPoint)
    {
        if (listen(fd, backlog) != 0)
            throw new UringSocketException(errno, $"Listen({endPoint})");
    }
}
