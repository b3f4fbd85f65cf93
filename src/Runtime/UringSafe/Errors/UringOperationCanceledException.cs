namespace UringSafe;

/// <summary>
/// A lend-and-return operation was cancelled through its <see cref="CancellationToken"/>. It is thrown only after
/// the kernel's final completion for the operation, so <see cref="Buffer"/> is safe to use again.
/// </summary>
public sealed class UringOperationCanceledException : OperationCanceledException, IReturnsBuffer
{
    /// <summary>Creates the exception.</summary>
    public UringOperationCanceledException(string operation, object? buffer, CancellationToken token)
        : base($"{operation} was cancelled. The kernel has finished with the operation; its buffer is in the exception's Buffer property.", token)
    {
        Operation = operation;
        Buffer = buffer;
    }

    /// <summary>The operation that was cancelled.</summary>
    public string Operation { get; }

    /// <summary>The buffer the operation had borrowed, handed back. Null for operations without one.</summary>
    public object? Buffer { get; }
}
