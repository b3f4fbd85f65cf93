using System.Runtime.CompilerServices;
using UringSafe.Async;

namespace UringSafe.AspNetCore;

/// <summary>
/// <c>await new SwitchToReactor(reactor)</c>: continues on the reactor's thread (at once when already there; else posted
/// to its loop, which wakes it). Allocation-free: the continuation is the async method's cached delegate.
/// </summary>
internal readonly struct SwitchToReactor(UringReactor reactor) : ICriticalNotifyCompletion
{
    private static readonly SendOrPostCallback s_run = static s => ((Action)s!)();

    public SwitchToReactor GetAwaiter() => this;

    public bool IsCompleted => reactor.IsOnReactorThread;

    public void GetResult()
    {
    }

    public void OnCompleted(Action continuation)
    {
        ExecutionContext? context = ExecutionContext.Capture();
        reactor.Post(context is null ? s_run : s => ExecutionContext.Run(context, static c => ((Action)c!)(), s), continuation);
    }

    public void UnsafeOnCompleted(Action continuation) => reactor.Post(s_run, continuation);
}
