using UringSafe.Async;
using UringSafe.Tests.Support;
using static Tmds.Linux.LibC;

namespace UringSafe.Tests.Async;

/// <summary>
/// <see cref="UringExecutor"/>: unpinned unless asked, pinned within the CPUs the process may use when asked, and a
/// discarded <see cref="UringExecutor.Spawn(int, Func{Task})"/> never hides a failure.
/// </summary>
public sealed class ExecutorTests
{
    [Fact]
    public void Reactors_are_not_pinned_by_default()
    {
        Watchdog.RunThread("unpinned executor", () =>
        {
            int[] creator = UringExecutor.AllowedCpus();
            using var executor = new UringExecutor(2);
            int[][] seen = ReactorAffinities(executor);
            Assert.All(seen, cpus => Assert.Equal(creator, cpus)); // free to run wherever the creator may
        });
    }

    [Fact]
    public void Pinned_reactors_use_the_cpus_the_process_may_run_on_not_cpu_0()
    {
        Watchdog.RunThread("pinned executor under a narrowed affinity", () =>
        {
            // As under `taskset -c <last>`: this thread (and the threads it starts) may only run on the last CPU.
            int[] all = UringExecutor.AllowedCpus();
            int last = all[^1];
            SetThisThreadAffinity([last]);
            using var executor = new UringExecutor(2, pinToCores: true);
            // Back to the full set at once: threads this one starts later (thread-pool workers) inherit its affinity.
            SetThisThreadAffinity(all);
            int[][] seen = ReactorAffinities(executor);
            Assert.All(seen, cpus => Assert.Equal([last], cpus)); // reactor 0 on CPU `last`, not on CPU 0; reactor 1 wraps
        });
    }

    [Fact]
    public void Pinned_reactors_each_get_one_allowed_cpu()
    {
        Watchdog.RunThread("pinned executor", () =>
        {
            int[] allowed = UringExecutor.AllowedCpus();
            using var executor = new UringExecutor(allowed.Length, pinToCores: true);
            int[][] seen = ReactorAffinities(executor);
            for (int i = 0; i < seen.Length; i++)
                Assert.Equal([allowed[i]], seen[i]);
        });
    }

    [Fact]
    public void A_detached_spawn_that_fails_reaches_the_reactor_event()
    {
        Watchdog.RunThread("detached spawn", () =>
        {
            using var executor = new UringExecutor(1);
            var reported = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            executor.Reactors[0].UnhandledException += (_, e) => reported.TrySetResult(e);
            executor.SpawnDetached(0, () => throw new InvalidOperationException("nobody awaits this"));
            Assert.True(reported.Task.Wait(TimeSpan.FromSeconds(5)), "The failure of a detached Spawn was not reported.");
            Assert.Equal("nobody awaits this", reported.Task.Result.Message);
        });
    }

    [Fact]
    public void Spawn_after_dispose_is_an_ObjectDisposedException_not_work_that_never_runs()
    {
        Watchdog.RunThread("spawn after dispose", () =>
        {
            var executor = new UringExecutor(1);
            executor.Dispose();
            Assert.Throws<ObjectDisposedException>(() => { _ = executor.Spawn(0, () => Task.CompletedTask); }); // thrown by Spawn itself
        });
    }

    private static int[][] ReactorAffinities(UringExecutor executor)
    {
        var seen = new int[executor.Count][];
        Assert.True(executor.SpawnOnEach(i =>
        {
            seen[i] = UringExecutor.AllowedCpus();
            return Task.CompletedTask;
        }).Wait(TimeSpan.FromSeconds(5)));
        return seen;
    }

    private static unsafe void SetThisThreadAffinity(int[] cpus)
    {
        Tmds.Linux.cpu_set_t set = default;
        byte* bits = (byte*)&set;
        foreach (int cpu in cpus)
            bits[cpu / 8] |= (byte)(1 << (cpu % 8));
        Assert.Equal(0, sched_setaffinity(0, (Tmds.Linux.size_t)sizeof(Tmds.Linux.cpu_set_t), &set));
    }
}
