using UringSafe.Async;

namespace UringSafe.AspNetCore;

/// <summary>
/// Options of the UringSafe Kestrel transport (<c>builder.WebHost.UseUringSafe(options => ...)</c>).
/// </summary>
public sealed class UringSafeTransportOptions
{
    /// <summary>
    /// Reactors (threads, each with its own io_uring and its own SO_REUSEPORT listener per endpoint). Accepted
    /// connections do all their socket I/O on the reactor that accepted them. Default: <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    public int ReactorCount { get; set; } = Environment.ProcessorCount;

    /// <summary>Pin reactor <c>i</c> to the <c>i</c>-th CPU this process may run on (its affinity set, so a
    /// <c>taskset</c> or cpuset is respected), wrapping around: thread per core. Default true: a server usually owns
    /// its CPUs. <see cref="UringExecutor"/> on its own is unpinned unless asked.</summary>
    public bool PinToCores { get; set; } = true;

    /// <summary>How each reactor sets up its ring (null: the runtime's defaults, SINGLE_ISSUER + DEFER_TASKRUN where available).</summary>
    public ReactorOptions? ReactorOptions { get; set; }

    /// <summary>
    /// Behave as if io_uring were unavailable and <see cref="FallBackToSockets"/> were set: use the sockets transport
    /// and log the fallback warning. For tests of the fallback path. Default false.
    /// </summary>
    public bool ForceUnavailableForTesting { get; set; }

    /// <summary>
    /// Where io_uring is unavailable (Docker's default seccomp profile, <c>kernel.io_uring_disabled</c>, an old kernel),
    /// serve IP endpoints with Kestrel's sockets transport instead of UringSafe's reactors on the userspace ring
    /// (<see cref="ReactorDriver.UserspaceRing"/>). Default false: the same transport runs on both drivers, and one
    /// warning says which one and why.
    /// </summary>
    public bool FallBackToSockets { get; set; }

    /// <summary>TCP_NODELAY on accepted connections. Default true (as Kestrel's sockets transport).</summary>
    public bool NoDelay { get; set; } = true;

    /// <summary>listen(2) backlog of each reactor's listener. Default 512.</summary>
    public int Backlog { get; set; } = 512;

    /// <summary>
    /// Bytes per receive buffer (provided-buffer ring entries, or the buffer each connection lends to its pending
    /// receive without <see cref="UseMultishotReceive"/>). Sends need none: they go out straight from the output
    /// pipe's memory. Default 16 KiB.
    /// </summary>
    public int BufferSize { get; set; } = 16 * 1024;

    /// <summary>Receive buffers per reactor (the provided-buffer ring's initial size; or pooled buffers for
    /// lend-and-return receives, beyond which they are allocated and freed per connection). Default 256.</summary>
    public int BuffersPerReactor { get; set; } = 256;

    /// <summary>
    /// Receive with one multishot recv per connection over a provided-buffer ring (buffers are taken only when data
    /// arrives, so idle connections hold none; the ring grows up to 8 times <see cref="BuffersPerReactor"/> when it runs
    /// dry) instead of a lend-and-return read per receive, which holds a buffer per waiting connection. Default true.
    /// </summary>
    public bool UseMultishotReceive { get; set; } = true;

    /// <summary>
    /// Run Kestrel's request processing inline on the reactor thread that received the data, instead of handing each
    /// read to the thread pool. Saves the thread hops per request (responses are sent from the reactor either way,
    /// coalesced per turn), but application code that blocks stalls every connection of
    /// that reactor. Default false (like the sockets transport's option of the same name).
    /// </summary>
    public bool UnsafePreferInlineScheduling { get; set; }

    /// <summary>Bytes the input pipe may buffer before receiving pauses (back-pressure). Default 1 MiB; null: unbounded.</summary>
    public long? MaxReadBufferSize { get; set; } = 1024 * 1024;

    /// <summary>Bytes the output pipe may buffer before the application's flushes wait. Default 64 KiB; null: unbounded.</summary>
    public long? MaxWriteBufferSize { get; set; } = 64 * 1024;
}
