namespace UringSafe;

/// <summary>
/// An operation was started on a file or socket that is closed or closing (its <see cref="Async.SharedFd"/> refuses new
/// operations). Nothing was submitted; the buffer the operation was given comes back in <see cref="Buffer"/>, untouched.
/// </summary>
public sealed class DescriptorClosedException : ObjectDisposedException, IReturnsBuffer
{
    /// <summary>Creates the exception.</summary>
    public DescriptorClosedException(string description, object? buffer)
        : base(description, $"'{description}' is closed (or closing): no new operation can start on it. Open it again, or stop using it before closing it.")
        => Buffer = buffer;

    /// <inheritdoc/>
    public object? Buffer { get; }
}
