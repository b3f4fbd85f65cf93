namespace UringSafe;

/// <summary>
/// A lend-and-return operation ran past its timeout (a linked IORING_OP_LINK_TIMEOUT cancelled it). Thrown after the
/// kernel's final completion, so <see cref="Buffer"/> is safe to use again.
/// </summary>
public sealed class UringTimeoutException : TimeoutException, IReturnsBuffer
{
    /// <summary>Creates the exception.</summary>
    public UringTimeoutException(string operation, TimeSpan timeout, object? buffer)
        : base($"{operation} did not complete within {timeout.TotalMilliseconds:0.###} ms and was cancelled. Its buffer is in the exception's Buffer property.")
    {
        Operation = operation;
        Timeout = timeout;
        Buffer = buffer;
    }

    /// <summary>The operation that timed out.</summary>
    public string Operation { get; }

    /// <summary>The timeout that expired.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The buffer the operation had borrowed, handed back. Null for operations without one.</summary>
    public object? Buffer { get; }
}
