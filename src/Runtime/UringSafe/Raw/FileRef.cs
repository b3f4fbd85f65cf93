namespace UringSafe.Raw;

/// <summary>
/// A file an SQE acts on: a raw descriptor, or an index into the ring's registered file table
/// (which makes the builder set IOSQE_FIXED_FILE).
/// </summary>
public readonly record struct FileRef
{
    private FileRef(int value, bool isFixed) { Value = value; IsFixed = isFixed; }

    /// <summary>The fd or the fixed-file index.</summary>
    public int Value { get; }
    /// <summary>True for a registered-file index.</summary>
    public bool IsFixed { get; }

    /// <summary>A raw file descriptor.</summary>
    public static FileRef Fd(int fd) => new(fd, false);
    /// <summary>An index into the registered file table.</summary>
    public static FileRef Fixed(int index) => new(index, true);

    /// <summary>A raw file descriptor.</summary>
    public static implicit operator FileRef(int fd) => new(fd, false);

    /// <inheritdoc/>
    public override string ToString() => IsFixed ? $"fixed file #{Value}" : $"fd {Value}";
}
