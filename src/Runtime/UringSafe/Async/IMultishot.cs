namespace UringSafe.Async;

/// <summary>Marks the multishot operation kind, for diagnostics; its reactor ends its pending read at shutdown.</summary>
internal interface IMultishot
{
    /// <summary>The reactor began shutting down while a read was pending (reactor thread): a read with no request
    /// armed for it, which nothing would complete any more, ends now; one with a request armed ends with that
    /// request's final completion (the shutdown cancels it).</summary>
    void OnReactorShuttingDown();
}
