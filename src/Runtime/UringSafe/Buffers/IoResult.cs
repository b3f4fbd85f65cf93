namespace UringSafe.Buffers;

/// <summary>
/// The result of a lend-and-return operation: the kernel's result and the buffer, handed back.
/// Deconstruct it to take the buffer back: <c>(n, buf) = await file.ReadAtAsync(buf, 0);</c>
/// </summary>
/// <typeparam name="TBuffer">The buffer type that was lent.</typeparam>
public readonly struct IoResult<TBuffer>
{
    /// <summary>Creates a result.</summary>
    public IoResult(int result, TBuffer buffer)
    {
        Result = result;
        Buffer = buffer;
    }

    /// <summary>The operation's non-negative result (bytes transferred, for reads and writes).</summary>
    public int Result { get; }

    /// <summary>The buffer, back in the caller's hands.</summary>
    public TBuffer Buffer { get; }

    /// <summary>Deconstructs into the result and the buffer.</summary>
    public void Deconstruct(out int result, out TBuffer buffer)
    {
        result = Result;
        buffer = Buffer;
    }
}
