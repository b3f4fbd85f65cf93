using System.Buffers;
using Microsoft.Extensions.Logging;
using UringSafe.Async;

namespace UringSafe.AspNetCore;

/// <summary>The io_uring side of the factory: the executor (one reactor per core) and each reactor's context.</summary>
internal sealed class UringTransport : IDisposable
{
    private readonly ReactorContext?[] _contexts;
    private readonly MemoryPool<byte> _memoryPool;
    private readonly ConnectionClosedNotifier _closedNotifier;

    public UringTransport(UringSafeTransportOptions options, MemoryPool<byte> memoryPool, ILogger logger)
    {
        Options = options;
        Logger = logger;
        _memoryPool = memoryPool;
        int count = options.ReactorCount > 0 ? options.ReactorCount : Environment.ProcessorCount;
        Executor = new UringExecutor(count, options.PinToCores, options.ReactorOptions);
        _closedNotifier = new ConnectionClosedNotifier(); // after the reactors: nothing to stop if they could not start
        _contexts = new ReactorContext?[count];
    }

    public UringSafeTransportOptions Options { get; }

    public ILogger Logger { get; }

    public UringExecutor Executor { get; }

    /// <summary>The context of reactor <paramref name="index"/>; call on that reactor's thread.</summary>
    public ReactorContext GetReactorContext(int index)
        => _contexts[index] ??= new ReactorContext(index, Executor.Reactors[index], Options, _memoryPool, Logger, _closedNotifier);

    /// <summary>Sends of output-pipe data (io_uring sendmsg operations) over every reactor so far.</summary>
    public long Sends
    {
        get
        {
            long total = 0;
            foreach (ReactorContext? rc in _contexts)
                total += rc?.Sends ?? 0;
            return total;
        }
    }

    public void Dispose()
    {
        for (int i = 0; i < _contexts.Length; i++)
        {
            if (_contexts[i] is { } rc)
            {
                try
                {
                    Executor.Spawn(i, () =>
                    {
                        rc.Dispose();
                        return Task.CompletedTask;
                    }).Wait(TimeSpan.FromSeconds(2));
                }
                catch (Exception)
                {
                    // the reactor is gone already; its pools leak rather than risk freeing memory the kernel may use
                }
            }
        }
        Executor.Dispose();
        _closedNotifier.Dispose();
        _memoryPool.Dispose();
    }
}
