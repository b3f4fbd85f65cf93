namespace UringSafe.Async;

/// <summary>How a <see cref="UringReactor"/> sets up its ring.</summary>
public sealed record ReactorOptions
{
    /// <summary>SQ entries of the reactor's ring. Default 256.</summary>
    public uint Entries { get; init; } = 256;

    /// <summary>CQ entries; default 4 × <see cref="Entries"/> so bursts of multishot completions fit.</summary>
    public uint CompletionEntries { get; init; }

    /// <summary>Use SINGLE_ISSUER | DEFER_TASKRUN where the kernel has them (6.1+); falls back otherwise. Default true.</summary>
    public bool DeferTaskrun { get; init; } = true;

    /// <summary>Most operations in flight at once (slots). Default 4096.</summary>
    public int MaxInFlight { get; init; } = 4096;

    /// <summary>How long disposal waits for cancelled operations' final completions. Default 2 s.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Pin the reactor thread to this CPU (thread per core).</summary>
    public int? Cpu { get; init; }
}
