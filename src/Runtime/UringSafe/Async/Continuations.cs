using System.Threading.Tasks.Sources;

namespace UringSafe.Async;

internal static class Continuations
{
    /// <summary>
    /// Completions are dispatched on the reactor thread under its own context, so an awaiter already on that thread and
    /// context can run inline: posting it back would only add a queue hop and an allocation.
    /// </summary>
    public static ValueTaskSourceOnCompletedFlags Adjust(UringReactor? reactor, ValueTaskSourceOnCompletedFlags flags)
    {
        if ((flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) != 0 && reactor is { } r && r.IsOnReactorThread
            && SynchronizationContext.Current == r.SynchronizationContext
            && (TaskScheduler.Current == TaskScheduler.Default || TaskScheduler.Current == r.Scheduler))
            flags &= ~ValueTaskSourceOnCompletedFlags.UseSchedulingContext;
        return flags;
    }
}
