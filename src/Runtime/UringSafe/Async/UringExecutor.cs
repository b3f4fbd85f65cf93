using static Tmds.Linux.LibC;

namespace UringSafe.Async;

/// <summary>
/// Thread per core: N reactors, each on its own thread pinned to a CPU (like glommio's LocalExecutorBuilder).
/// Spawn work onto a chosen reactor; reactors wake each other with IORING_OP_MSG_RING.
/// </summary>
public sealed class UringExecutor : IDisposable
{
    private readonly Thread[] _threads;
    private readonly UringReactor[] _reactors;
    private readonly TaskCompletionSource[] _stop;
    private Exception? _startupError;
    private volatile bool _disposed;

    /// <summary>Starts <paramref name="reactorCount"/> reactors (default: one per CPU), pinned to CPUs 0..N-1 when <paramref name="pinToCores"/>.</summary>
    public UringExecutor(int reactorCount = 0, bool pinToCores = true, ReactorOptions? options = null)
    {
        int count = reactorCount > 0 ? reactorCount : Environment.ProcessorCount;
        _threads = new Thread[count];
        _reactors = new UringReactor[count];
        _stop = new TaskCompletionSource[count];
        using var ready = new CountdownEvent(count);
        for (int i = 0; i < count; i++)
        {
            int index = i;
            _stop[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _threads[i] = new Thread(() => ThreadMain(index, pinToCores ? index % Environment.ProcessorCount : null, options, ready))
            {
                IsBackground = true,
                Name = $"uring-reactor-{i}",
            };
            _threads[i].Start();
        }
        ready.Wait();
        if (_startupError is not null)
        {
            Dispose();
            throw _startupError;
        }
    }

    /// <summary>The reactors, by index.</summary>
    public IReadOnlyList<UringReactor> Reactors => _reactors;

    /// <summary>Number of reactors.</summary>
    public int Count => _reactors.Length;

    private unsafe void ThreadMain(int index, int? cpu, ReactorOptions? options, CountdownEvent ready)
    {
        UringReactor reactor;
        try
        {
            if (cpu is int c)
                PinToCpu(c);
            reactor = new UringReactor(options);
            _reactors[index] = reactor;
        }
        catch (Exception e)
        {
            _startupError ??= e;
            ready.Signal();
            return;
        }
        ready.Signal();
        using (reactor)
            reactor.RunUntil(_stop[index].Task);
    }

    private static unsafe void PinToCpu(int cpu)
    {
        Tmds.Linux.cpu_set_t set = default;
        byte* bits = (byte*)&set;
        bits[cpu / 8] |= (byte)(1 << (cpu % 8));
        sched_setaffinity(0, (Tmds.Linux.size_t)sizeof(Tmds.Linux.cpu_set_t), &set); // best effort: a restricted cpuset just stays unpinned
    }

    /// <summary>Runs <paramref name="work"/> on reactor <paramref name="index"/>.</summary>
    public Task Spawn(int index, Func<Task> work) => ReactorFor(index).Spawn(work);

    /// <summary>Runs <paramref name="work"/> on reactor <paramref name="index"/> and returns its result.</summary>
    public Task<T> Spawn<T>(int index, Func<Task<T>> work) => ReactorFor(index).Spawn(work);

    private UringReactor ReactorFor(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _reactors[index];
    }

    /// <summary>Runs one copy of <paramref name="work"/> on every reactor (given its index) and waits for all.</summary>
    public Task SpawnOnEach(Func<int, Task> work)
    {
        var tasks = new Task[_reactors.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            int index = i;
            tasks[i] = Spawn(i, () => work(index));
        }
        return Task.WhenAll(tasks);
    }

    /// <summary>Stops every reactor (cancelling and draining its operations) and joins the threads. A repeated Dispose
    /// does nothing.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        for (int i = 0; i < _reactors.Length; i++)
        {
            if (_reactors[i] is { } r)
            {
                _stop[i].TrySetResult();
                r.Post(static _ => { }, null); // wake it so it sees the stop
            }
        }
        foreach (Thread t in _threads)
            t.Join();
    }
}
