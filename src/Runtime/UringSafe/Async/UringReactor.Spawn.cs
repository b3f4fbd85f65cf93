using System.Runtime.CompilerServices;

namespace UringSafe.Async;

/// <summary>
/// Work spawned onto the reactor, and who hears of its failure. A failure someone observes (awaits, waits for, reads)
/// is theirs, as for any <see cref="Task"/>; one nobody observes is never silent: a detached spawn reports it at once,
/// and a dropped <see cref="Task"/> is reported when .NET finds it unobserved (<see cref="TaskScheduler.UnobservedTaskException"/>,
/// when the collector reclaims it).
/// </summary>
public sealed partial class UringReactor
{
    // The failed spawned tasks, each mapped to its reactor until it is collected; the entry dies with the task.
    private static readonly ConditionalWeakTable<Task, UringReactor> s_failedSpawns = new();
    private static int s_unobservedHooked;

    /// <summary>
    /// Runs <paramref name="work"/> on this reactor's loop (from any thread) and returns its task. Await it (or wait
    /// for it) to get the result or the exception: a failure the caller observes is not reported anywhere else. A
    /// failed task that nobody observes is not lost: when the collector reclaims it, as .NET raises
    /// <see cref="TaskScheduler.UnobservedTaskException"/>, the reactor reports it through
    /// <see cref="UnhandledException"/> (or stderr). For work whose task you won't keep, use
    /// <see cref="SpawnDetached(Func{Task})"/>, which reports a failure at once. Throws
    /// <see cref="ObjectDisposedException"/> once the reactor is disposed.
    /// </summary>
    public Task Spawn(Func<Task> work) => Track(Start(work));

    /// <summary>As <see cref="Spawn(Func{Task})"/>, with a result.</summary>
    public Task<T> Spawn<T>(Func<Task<T>> work)
    {
        ThrowIfDisposedForSpawn();
        return Track(Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, Scheduler).Unwrap());
    }

    /// <summary>
    /// Runs <paramref name="work"/> on this reactor's loop (from any thread) with nobody to await it, like a spawned
    /// tokio task whose handle is dropped. If it fails with anything but a cancellation, the reactor reports the
    /// exception through <see cref="UnhandledException"/> (or, with no handler, writes it to stderr once) as soon as
    /// it fails. Throws <see cref="ObjectDisposedException"/> once the reactor is disposed.
    /// </summary>
    public void SpawnDetached(Func<Task> work) =>
        Start(work).ContinueWith(static (t, s) => ((UringReactor)s!).ReportUnhandled(Single(t.Exception!)), this,
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private Task Start(Func<Task> work)
    {
        ThrowIfDisposedForSpawn();
        return Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, Scheduler).Unwrap();
    }

    // Work queued to a reactor whose loop has ended would never run, and its task never complete.
    private void ThrowIfDisposedForSpawn()
    {
        if (_disposed)
            throw new ObjectDisposedException(nameof(UringReactor), "The reactor was disposed; work spawned on it would never run.");
    }

    // Only a failure is tracked (the continuation must not read t.Exception: that would mark it observed).
    internal TTask Track<TTask>(TTask task) where TTask : Task
    {
        task.ContinueWith(static (t, s) => s_failedSpawns.AddOrUpdate(t, (UringReactor)s!), this,
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (Interlocked.Exchange(ref s_unobservedHooked, 1) == 0)
            TaskScheduler.UnobservedTaskException += static (sender, e) => OnUnobserved(sender, e.Exception);
        return task;
    }

    // Runs on the finalizer thread: the report goes to the reactor's loop when it still has one.
    private static void OnUnobserved(object? sender, AggregateException failure)
    {
        if (sender is not Task task || !s_failedSpawns.TryGetValue(task, out UringReactor? reactor))
            return;
        Exception e = Single(failure);
        if (!reactor.TryPost(static s => { var (r, e) = ((UringReactor, Exception))s!; r.ReportUnhandled(e); }, (reactor, e)))
            reactor.ReportUnhandled(e);
    }

    private static Exception Single(AggregateException e) => e.InnerExceptions.Count == 1 ? e.InnerException! : e;
}
