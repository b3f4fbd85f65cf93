namespace UringSafe.Async;

/// <summary>
/// The entry point of the async layer, like <c>tokio_uring::start</c>: runs an async main on a reactor on the
/// calling thread and returns when it completes. In-flight operations are cancelled and drained on the way out.
/// </summary>
public static class UringRuntime
{
    /// <summary>Runs <paramref name="main"/> on a new reactor on this thread until it completes.</summary>
    public static void Run(Func<Task> main, ReactorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        using var reactor = new UringReactor(options);
        reactor.RunUntil(Start(reactor, main));
    }

    /// <summary>Runs <paramref name="main"/> on a new reactor on this thread and returns its result.</summary>
    public static T Run<T>(Func<Task<T>> main, ReactorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        using var reactor = new UringReactor(options);
        Task<T> task = Start(reactor, main);
        reactor.RunUntil(task);
        return task.Result;
    }

    private static TTask Start<TTask>(UringReactor reactor, Func<TTask> main) where TTask : Task
    {
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(reactor.SynchronizationContext);
        try
        {
            return main(); // runs up to its first await inline, under the reactor's context
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }
}
