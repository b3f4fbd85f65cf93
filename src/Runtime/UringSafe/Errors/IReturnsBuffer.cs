namespace UringSafe;

/// <summary>
/// An exception from an operation that had borrowed a buffer: it is thrown only after the kernel's final completion,
/// and carries the buffer back. <see cref="ReturnedBuffer.From{T}(Exception)"/> reads it.
/// </summary>
public interface IReturnsBuffer
{
    /// <summary>The buffer the operation had borrowed, handed back (the kernel is done with it), or null.</summary>
    object? Buffer { get; }
}
