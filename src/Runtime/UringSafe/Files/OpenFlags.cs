namespace UringSafe.Files;

/// <summary>The <c>open(2)</c> flags UringSafe files accept (Linux values).</summary>
[Flags]
public enum OpenFlags
{
    /// <summary>O_RDONLY.</summary>
    ReadOnly = 0,
    /// <summary>O_WRONLY.</summary>
    WriteOnly = 0x1,
    /// <summary>O_RDWR.</summary>
    ReadWrite = 0x2,
    /// <summary>O_CREAT: create the file if missing.</summary>
    Create = 0x40,
    /// <summary>O_EXCL: with Create, fail if the file exists.</summary>
    Exclusive = 0x80,
    /// <summary>O_TRUNC: truncate to zero length.</summary>
    Truncate = 0x200,
    /// <summary>O_APPEND.</summary>
    Append = 0x400,
    /// <summary>O_DSYNC.</summary>
    DataSync = 0x1000,
    /// <summary>O_DIRECT: bypass the page cache (aligned buffers, offsets and sizes).</summary>
    Direct = 0x4000,
    /// <summary>O_DIRECTORY.</summary>
    Directory = 0x10000,
    /// <summary>O_NOFOLLOW.</summary>
    NoFollow = 0x20000,
    /// <summary>O_CLOEXEC (always added by UringSafe).</summary>
    CloseOnExec = 0x80000,
}
