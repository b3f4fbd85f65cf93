namespace UringSafe;

/// <summary>
/// A read that had to fill a number of bytes (<see cref="Files.UringFile.ReadExactlyAtAsync"/>) reached the end of the
/// file first: an <see cref="EndOfStreamException"/>, as <c>Stream.ReadExactly</c> throws, that also hands back the buffer
/// with the bytes that were read (its <see cref="Buffers.IoBuffer.Length"/>). Thrown after the kernel's final completion,
/// so <see cref="Buffer"/> is safe to use again.
/// </summary>
public sealed class UringEndOfFileException : EndOfStreamException, IReturnsBuffer
{
    /// <summary>Creates the exception.</summary>
    public UringEndOfFileException(string message, object? buffer) : base(message) => Buffer = buffer;

    /// <summary>The buffer the read had borrowed, handed back, holding the bytes read before the end of the file.</summary>
    public object? Buffer { get; }
}
