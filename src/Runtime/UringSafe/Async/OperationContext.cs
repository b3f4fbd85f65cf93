using UringSafe.Raw;

namespace UringSafe.Async;

/// <summary>
/// What an operation may use while preparing its SQE: the ring (to test registered buffers and files) and a
/// per-operation scratch area of native memory that stays valid until the operation's final completion, for the
/// timespecs, iovecs, sockaddrs and msghdrs the kernel reads asynchronously.
/// </summary>
public readonly unsafe struct OperationContext
{
    private readonly byte* _scratch;
    private readonly byte* _used;

    internal OperationContext(Ring? ring, byte* scratch, int scratchSize, byte* used)
    {
        Ring = ring;
        _scratch = scratch;
        ScratchSize = scratchSize;
        _used = used;
    }

    /// <summary>The reactor's kernel ring, to test registered buffers and files; null on the userspace ring, where
    /// nothing is registered with a kernel.</summary>
    public Ring? Ring { get; }

    /// <summary>Start of the scratch area (zeroed, 8-byte aligned).</summary>
    public nint Scratch
    {
        get
        {
            // Only a slot whose scratch was handed out is cleared before its next use: most operations (reads,
            // writes, NOPs) never touch it, and a 128-byte clear per operation is measurable on the hot path.
            *_used = 1;
            return (nint)_scratch;
        }
    }

    /// <summary>Size of the scratch area in bytes.</summary>
    public int ScratchSize { get; }

    /// <summary>A typed pointer into the scratch area, checked against its size.</summary>
    public T* ScratchAs<T>(int offset = 0) where T : unmanaged
    {
        if (offset < 0 || offset + sizeof(T) > ScratchSize)
            throw new ArgumentOutOfRangeException(nameof(offset), $"The per-operation scratch area holds {ScratchSize} bytes.");
        return (T*)((byte*)Scratch + offset);
    }
}
