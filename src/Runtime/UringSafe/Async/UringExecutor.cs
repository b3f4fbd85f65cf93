using static Tmds.Linux.LibC;

namespace UringSafe.Async;

/// <summary>
/// Thread per core: N reactors, each on its own thread (like glommio's LocalExecutorBuilder). Spawn work onto a chosen
/// reactor; its continuations stay on that reactor's thread, so nothing spawned may block (no <c>.Wait()</c>,
/// <c>.Result</c>, locks held across I/O or synchronous I/O): a blocked reactor stops every operation on it. Reactors wake
/// each other with IORING_OP_MSG_RING.
/// <para>
/// Threads are not pinned unless asked (as in glommio, whose executors are unbound by default): the kernel spreads
/// them, and two processes on one machine don't pile onto the same CPUs. With <c>pinToCores</c>, reactor <c>i</c> is
/// pinned to the <c>i</c>-th CPU the creating thread may run on (sched_getaffinity: the process's CPUs unless narrowed
/// by <c>taskset</c> or a cpuset cgroup), wrapping around, so a process started with <c>taskset -c 4-7</c> pins to CPUs
/// 4..7, never CPU 0.
/// </para>
/// </summary>
public sealed class UringExecutor : IDisposable
{
    private readonly Thread[] _threads;
    private readonly UringReactor[] _reactors;
    private readonly TaskCompletionSource[] _stop;
    private Exception? _startupError;
    private volatile bool _disposed;

    /// <summary>
    /// Starts <paramref name="reactorCount"/> reactors (default: <see cref="Environment.ProcessorCount"/>, the CPUs this
    /// process may use). Unpinned by default; with <paramref name="pinToCores"/>, reactor <c>i</c> is pinned to the
    /// <c>i</c>-th CPU of the creating thread's affinity set (wrapping around). See the type's remarks.
    /// </summary>
    public UringExecutor(int reactorCount = 0, bool pinToCores = false, ReactorOptions? options = null)
    {
        int count = reactorCount > 0 ? reactorCount : Environment.ProcessorCount;
        _threads = new Thread[count];
        _reactors = new UringReactor[count];
        _stop = new TaskCompletionSource[count];
        int[] cpus = pinToCores ? AllowedCpus() : [];
        using var ready = new CountdownEvent(count);
        for (int i = 0; i < count; i++)
        {
            int index = i;
            int? cpu = cpus.Length > 0 ? cpus[i % cpus.Length] : null;
            _stop[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _threads[i] = new Thread(() => ThreadMain(index, cpu, options, ready))
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
        try
        {
            reactor.RunUntil(_stop[index].Task);
        }
        catch (ObjectDisposedException) when (reactor.IsDisposed)
        {
            // user code disposed this reactor: its loop is over, and so is the thread
        }
        catch (Exception e)
        {
            reactor.ReportUnhandled(e); // never let an exception end the process from a thread nobody can catch on
        }
        finally
        {
            reactor.Dispose();
        }
    }

    /// <summary>The CPUs the calling thread may run on (sched_getaffinity), in order; empty if they can't be read.</summary>
    internal static unsafe int[] AllowedCpus()
    {
        Tmds.Linux.cpu_set_t set = default;
        if (sched_getaffinity(0, (Tmds.Linux.size_t)sizeof(Tmds.Linux.cpu_set_t), &set) != 0)
            return [];
        var cpus = new List<int>();
        byte* bits = (byte*)&set;
        for (int cpu = 0; cpu < sizeof(Tmds.Linux.cpu_set_t) * 8; cpu++)
        {
            if ((bits[cpu / 8] & (1 << (cpu % 8))) != 0)
                cpus.Add(cpu);
        }
        return [.. cpus];
    }

    private static unsafe void PinToCpu(int cpu)
    {
        Tmds.Linux.cpu_set_t set = default;
        byte* bits = (byte*)&set;
        bits[cpu / 8] |= (byte)(1 << (cpu % 8));
        sched_setaffinity(0, (Tmds.Linux.size_t)sizeof(Tmds.Linux.cpu_set_t), &set); // best effort: a CPU taken away meanwhile just stays unpinned
    }

    /// <summary>
    /// Runs <paramref name="work"/> on reactor <paramref name="index"/> (from any thread) and returns its task. Await it
    /// (or wait for it) to get the exception yourself: a failure you observe is not reported again. One nobody observes
    /// is reported through that reactor's <see cref="UringReactor.UnhandledException"/> (or stderr) when the collector
    /// reclaims the task; for work whose task you won't keep, <see cref="SpawnDetached"/> reports it at once. Throws
    /// <see cref="ObjectDisposedException"/> once the executor is disposed.
    /// </summary>
    public Task Spawn(int index, Func<Task> work) => ReactorFor(index).Spawn(work);

    /// <summary>As <see cref="Spawn(int, Func{Task})"/>, returning the work's result.</summary>
    public Task<T> Spawn<T>(int index, Func<Task<T>> work) => ReactorFor(index).Spawn(work);

    /// <summary>
    /// Runs <paramref name="work"/> on reactor <paramref name="index"/> with nobody to await it (tokio's dropped
    /// handle): a failure other than a cancellation is reported at once through that reactor's
    /// <see cref="UringReactor.UnhandledException"/> (or, with no handler, written to stderr with the reactor's id).
    /// </summary>
    public void SpawnDetached(int index, Func<Task> work) => ReactorFor(index).SpawnDetached(work);

    private UringReactor ReactorFor(int index)
    {
        if (_disposed)
            throw new ObjectDisposedException(nameof(UringExecutor), "This UringExecutor was disposed: its reactors have stopped and take no new work. Spawn before disposing the executor, or create a new one.");
        return _reactors[index];
    }

    /// <summary>Runs one copy of <paramref name="work"/> on every reactor (given its index); the task completes when all
    /// have. Each failure is reported as for <see cref="Spawn(int, Func{Task})"/>.</summary>
    public Task SpawnOnEach(Func<int, Task> work)
    {
        var tasks = new Task[_reactors.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            int index = i;
            tasks[i] = Spawn(i, () => work(index));
        }
        return _reactors[0].Track(Task.WhenAll(tasks)); // WhenAll observes each; the whole is tracked like one spawn
    }

    /// <summary>
    /// Stops every reactor (cancelling and draining its operations) and joins their threads. Called from work running
    /// on one of the executor's own reactors, it stops and joins the others, and the calling reactor's loop ends (and
    /// drains) once the current callback returns: it never waits for its own thread. A repeated Dispose does nothing.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        int self = -1;
        for (int i = 0; i < _reactors.Length; i++)
        {
            if (_reactors[i] is { } r)
            {
                if (r.IsOnReactorThread)
                    self = i;
                _stop[i].TrySetResult();
                r.TryPost(static _ => { }, null); // wake it so it sees the stop (refused only if it already ended)
            }
        }
        for (int i = 0; i < _threads.Length; i++)
        {
            if (i != self)
                _threads[i].Join();
        }
    }
}
