namespace UringSafe.Buffers;

/// <summary>
/// A buffer was used while the kernel owns it (lent to an in-flight operation), or after it went back to its pool.
/// Take the buffer back from the operation's result first: <c>(n, buf) = await op(buf)</c>.
/// </summary>
public sealed class BufferLentException : InvalidOperationException
{
    /// <summary>Creates the exception with a message saying what was wrong and what to do.</summary>
    public BufferLentException(string message) : base(message)
    {
    }
}
