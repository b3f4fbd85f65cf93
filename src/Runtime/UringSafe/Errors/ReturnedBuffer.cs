namespace UringSafe;

/// <summary>
/// Takes a lent buffer back from the exception of a failed, cancelled or timed-out operation. These exceptions are
/// thrown only after the kernel's final completion, so the buffer is safe to reuse, pool or dispose.
/// </summary>
public static class ReturnedBuffer
{
    /// <summary>The buffer carried by <paramref name="exception"/>, or null when it carries none of type <typeparamref name="T"/>.</summary>
    public static T? From<T>(Exception exception) where T : class
        => (exception as IReturnsBuffer)?.Buffer as T;
}
