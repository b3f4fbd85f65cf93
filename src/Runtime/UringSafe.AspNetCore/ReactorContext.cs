using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Net;

namespace UringSafe.AspNetCore;

/// <summary>Per-reactor state of a transport: buffer pools and pipe options. Created and used on the reactor thread.</summary>
internal sealed class ReactorContext : IDisposable
{
    private IoBufferPool? _pool;
    private ProvidedBufferPool? _provided;

    public ReactorContext(int index, UringReactor reactor, UringSafeTransportOptions options, MemoryPool<byte> memoryPool, ILogger logger,
        ConnectionClosedNotifier closedNotifier)
    {
        Index = index;
        ClosedNotifier = closedNotifier;
        Reactor = reactor;
        Options = options;
        Logger = logger;
        BufferSize = Math.Max(1024, options.BufferSize);
        var scheduler = new ReactorPipeScheduler(reactor);
        PipeScheduler app = options.UnsafePreferInlineScheduling ? PipeScheduler.Inline : PipeScheduler.ThreadPool;
        long maxRead = options.MaxReadBufferSize ?? 0;
        long maxWrite = options.MaxWriteBufferSize ?? 0;
        // Input: the reactor writes (its flush continuations run on the reactor), the application reads on the thread pool.
        InputOptions = new PipeOptions(memoryPool, readerScheduler: app, writerScheduler: scheduler,
            pauseWriterThreshold: maxRead, resumeWriterThreshold: maxRead / 2, useSynchronizationContext: false);
        // Output: the application writes on its threads; the send loop runs on the reactor. A flush only queues the send
        // loop's continuation behind the reactor's current turn (one wake-up, and none while it is awake), so every
        // flush made before it runs (pipelined responses, HTTP/2 frames, TLS records) leaves in the same sendmsg.
        OutputOptions = new PipeOptions(memoryPool, readerScheduler: scheduler, writerScheduler: app,
            pauseWriterThreshold: maxWrite, resumeWriterThreshold: maxWrite / 2, useSynchronizationContext: false);
    }

    public int Index { get; }

    public UringReactor Reactor { get; }

    public UringSafeTransportOptions Options { get; }

    public ILogger Logger { get; }

    /// <summary>Raises the connections' ConnectionClosed (the transport's, shared by its reactors).</summary>
    public ConnectionClosedNotifier ClosedNotifier { get; }

    public int BufferSize { get; }

    /// <summary>Sends of output-pipe data (each one io_uring sendmsg), for tests and diagnostics: with the flushes they
    /// carried counted by Kestrel, this shows the coalescing. Written on the reactor thread.</summary>
    public long Sends => Volatile.Read(ref _sends);

    private long _sends;

    /// <summary>Counts one send (reactor thread).</summary>
    public void CountSend() => Volatile.Write(ref _sends, _sends + 1);

    public PipeOptions InputOptions { get; }

    public PipeOptions OutputOptions { get; }

    /// <summary>The provided-buffer ring for multishot receives (created on first use, on the reactor thread).</summary>
    public ProvidedBufferPool ProvidedBuffers => _provided ??= CreateProvidedBuffers();

    private ProvidedBufferPool CreateProvidedBuffers()
    {
        int count = Math.Min(RoundUpToPowerOfTwo(Math.Max(2, Options.BuffersPerReactor)), 32768);
        return new ProvidedBufferPool(BufferSize, count, Math.Min(count * 8, 32768));
    }

    /// <summary>A pooled buffer for a lend-and-return receive (the pool is created on first use, on the reactor thread),
    /// or a freshly allocated one when the pool is exhausted (freed again by Dispose).</summary>
    public IoBuffer RentBuffer()
    {
        _pool ??= new IoBufferPool(BufferSize, Math.Max(1, Options.BuffersPerReactor));
        return _pool.TryRent(out IoBuffer? b) ? b : IoBuffer.Allocate(BufferSize);
    }

    private static int RoundUpToPowerOfTwo(int n)
    {
        int p = 1;
        while (p < n && p < 32768)
            p <<= 1;
        return p;
    }

    public void Dispose()
    {
        _provided?.Dispose();
        _pool?.Dispose();
    }
}
