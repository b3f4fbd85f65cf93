namespace UringSafe;

/// <summary>
/// The submission queue has no free entry. Nothing was dropped: submit what is queued
/// (<c>Ring.Submit()</c>) and retry, use <c>Ring.TryPush</c> to test first, or make the ring bigger.
/// </summary>
public sealed class SubmissionQueueFullException : InvalidOperationException
{
    /// <summary>Creates the exception for a ring of <paramref name="entries"/> SQ entries.</summary>
    public SubmissionQueueFullException(uint entries)
        : base($"The submission queue is full (all {entries} entries are queued and not yet consumed by the kernel). " +
               "Nothing was dropped: call Submit() and retry, check with TryPush/SqSpaceLeft first, or create the ring with more entries.")
        => Entries = entries;

    /// <summary>The SQ size.</summary>
    public uint Entries { get; }
}
