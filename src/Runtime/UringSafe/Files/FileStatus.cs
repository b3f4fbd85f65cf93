using System.Buffers.Binary;

namespace UringSafe.Files;

/// <summary>The attributes <c>statx(2)</c> reports that most code needs.</summary>
public readonly record struct FileStatus(long Size, UnixFileMode Mode, bool IsDirectory, bool IsRegularFile, long BlockSize, DateTimeOffset LastWriteTime)
{
    /// <summary>Size of <c>struct statx</c>.</summary>
    internal const int StatxSize = 256;

    internal static FileStatus FromStatx(ReadOnlySpan<byte> s)
    {
        // struct statx: stx_blksize @4 (u32), stx_mode @28 (u16), stx_size @40 (u64), stx_mtime @112 (s64 sec, u32 nsec).
        uint blockSize = BinaryPrimitives.ReadUInt32LittleEndian(s[4..]);
        ushort mode = BinaryPrimitives.ReadUInt16LittleEndian(s[28..]);
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(s[40..]);
        long mtimeSec = BinaryPrimitives.ReadInt64LittleEndian(s[112..]);
        uint mtimeNsec = BinaryPrimitives.ReadUInt32LittleEndian(s[120..]);
        const int TypeMask = 0xF000, Directory = 0x4000, Regular = 0x8000;
        return new FileStatus((long)size, (UnixFileMode)(mode & 0xFFF), (mode & TypeMask) == Directory, (mode & TypeMask) == Regular,
            blockSize, DateTimeOffset.FromUnixTimeSeconds(mtimeSec).AddTicks(mtimeNsec / 100));
    }
}
