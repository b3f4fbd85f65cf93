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
        bool accepted = Reactor.TryPost(_ =>
        {
            try { d(state); }
            catch (Exception e) { error = e; }
            finally { done.Set(); }
        }, null);
        if (!accepted) // a disposed reactor runs nothing: waiting would block forever
            throw new ObjectDisposedException(nameof(UringReactor), $"Reactor {Reactor.Id} was disposed; Send can't run the callback on it.");
        done.Wait(); // an accepted callback always runs, even during the reactor's shutdown drain
        if (error is not null)
            throw new AggregateException(error);
    }

    public override SynchronizationContext CreateCopy() => this;
}
