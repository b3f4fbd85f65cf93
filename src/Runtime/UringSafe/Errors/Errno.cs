using System.Runtime.InteropServices;

namespace UringSafe;

/// <summary>errno values the library reacts to by name, and their symbolic names for messages.</summary>
public static class Errno
{
#pragma warning disable CS1591 // Linux's asm-generic/errno values
    public const int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, EBADF = 9, EAGAIN = 11, ENOMEM = 12, EACCES = 13,
        EFAULT = 14, EBUSY = 16, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24,
        ENOSPC = 28, EPIPE = 32, ERANGE = 34, ENOSYS = 38, ENOTSOCK = 88, EOPNOTSUPP = 95, EADDRINUSE = 98,
        ECONNABORTED = 103, ECONNRESET = 104, ENOBUFS = 105, ENOTCONN = 107, ETIMEDOUT = 110, ECONNREFUSED = 111,
        EALREADY = 114, ECANCELED = 125, ETIME = 62;
#pragma warning restore CS1591

    /// <summary>The symbolic name (<c>EBADF</c>) of an errno value, or <c>errno N</c>.</summary>
    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM", ENOENT => "ENOENT", EINTR => "EINTR", EIO => "EIO", EBADF => "EBADF", EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM", EACCES => "EACCES", EFAULT => "EFAULT", EBUSY => "EBUSY", EEXIST => "EEXIST",
        ENOTDIR => "ENOTDIR", EISDIR => "EISDIR", EINVAL => "EINVAL", ENFILE => "ENFILE", EMFILE => "EMFILE",
        ENOSPC => "ENOSPC", EPIPE => "EPIPE", ERANGE => "ERANGE", ENOSYS => "ENOSYS", ENOTSOCK => "ENOTSOCK",
        EOPNOTSUPP => "EOPNOTSUPP", EADDRINUSE => "EADDRINUSE", ECONNABORTED => "ECONNABORTED",
        ECONNRESET => "ECONNRESET", ENOBUFS => "ENOBUFS", ENOTCONN => "ENOTCONN", ETIMEDOUT => "ETIMEDOUT",
        ECONNREFUSED => "ECONNREFUSED", EALREADY => "EALREADY", ECANCELED => "ECANCELED", ETIME => "ETIME",
        _ => $"errno {errno}",
    };

    /// <summary>The C library's text for an errno value (strerror).</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
