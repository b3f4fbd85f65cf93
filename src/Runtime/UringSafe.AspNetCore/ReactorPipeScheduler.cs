using System.Collections.Concurrent;
using System.IO.Pipelines;
using UringSafe.Async;

namespace UringSafe.AspNetCore;

/// <summary>Runs pipe continuations on a reactor's loop (posted, never inline).</summary>
internal sealed class ReactorPipeScheduler(UringReactor reactor) : PipeScheduler
{
    // Pipe continuations are a handful of static delegates (the async state machine box runner); caching their
    // SendOrPostCallback twins keeps Schedule allocation-free. Bounded, in case someone schedules closures.
    private const int MaxCached = 64;
    private static readonly ConcurrentDictionary<Action<object?>, SendOrPostCallback> s_callbacks = new();

    public UringReactor Reactor => reactor;

    public override void Schedule(Action<object?> action, object? state)
    {
        if (!s_callbacks.TryGetValue(action, out SendOrPostCallback? callback))
        {
            callback = new SendOrPostCallback(action.Invoke);
            if (s_callbacks.Count < MaxCached)
                callback = s_callbacks.GetOrAdd(action, callback);
        }
        reactor.Post(callback, state);
    }
}
