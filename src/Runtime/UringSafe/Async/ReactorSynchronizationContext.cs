namespace UringSafe.Async;

/// <summary>Runs posted continuations on their reactor's thread, in its loop.</summary>
internal sealed class ReactorSynchronizationContext : SynchronizationContext
{
    public ReactorSynchronizationContext(UringReactor reactor) => Reactor = reactor;

    public UringReactor Reactor { get; }

    public override void Post(SendOrPostCallback d, object? state) => Reactor.Post(d, state);

    public override void Send(SendOrPostCallback d, object? state)
    {
        if (Reactor.IsOnReactorThread)
        {
            d(state);
            return;
        }
        using var done = new ManualResetEventSlim();
        Exception? error = null;
        Reactor.Post(_ =>
        {
            try { d(state); }
            catch (Exception e) { error = e; }
            finally { done.Set(); }
        }, null);
        done.Wait();
        if (error is not null)
            throw new AggregateException(error);
    }

    public override SynchronizationContext CreateCopy() => this;
}
