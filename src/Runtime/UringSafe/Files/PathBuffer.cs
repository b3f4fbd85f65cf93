using System.Text;

namespace UringSafe.Files;

/// <summary>A NUL-terminated UTF-8 path in a pinned array: its address stays valid while an operation holds it.</summary>
internal static class PathBuffer
{
    public static byte[] Create(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.Contains('\0'))
            throw new ArgumentException("A path must not contain NUL characters.", nameof(path));
        byte[] bytes = GC.AllocateUninitializedArray<byte>(Encoding.UTF8.GetByteCount(path) + 1, pinned: true);
        int n = Encoding.UTF8.GetBytes(path, bytes);
        bytes[n] = 0;
        return bytes;
    }

    public static unsafe nint Address(byte[] pinned) => (nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref pinned[0]);
}
