using System.Collections.Concurrent;
using System.Diagnostics;

namespace UringSafe.AspNetCore;

/// <summary>
/// Raises connections' <c>ConnectionClosed</c> (Kestrel's abort of the connection and of its request, and any callback
/// the application registered) on one thread of the transport's own, in the order the connections' receive sides
/// ended. Not on the reactor: the callbacks may be the application's, and may block. Not through the thread pool's
/// queue either, as the sockets transport does: there the notice waits behind whatever the pool has queued, and when
/// handlers keep every pool thread busy (downloads streamed to fast clients, whose sends the reactors never let fall
/// behind) it waited seconds, and with it Kestrel's abort, so a client that had left stayed in CLOSE-WAIT with its fd
/// held (issue 19). A callback that blocks must not hold up the other connections' notices in turn: once one has run for
/// <see cref="StuckAfter"/>, the notices waiting and arriving behind it go to the thread pool, as the sockets transport
/// raises them all.
/// </summary>
internal sealed class ConnectionClosedNotifier : IDisposable
{
    private readonly BlockingCollection<IConnectionClosedNotice> _queue = new(new ConcurrentQueue<IConnectionClosedNotice>());
    private readonly Thread _thread;
    private readonly Timer _rescue;
    private readonly TimeSpan _disposeWait;
    private long _firingSince; // Stopwatch timestamp at which the callback running now started; 0 when idle

    /// <summary>How long one connection's callbacks may run before the notices behind them go to the thread pool.</summary>
    internal static readonly TimeSpan StuckAfter = TimeSpan.FromMilliseconds(100);

    /// <param name="disposeWait">How long <see cref="Dispose"/> waits for a callback that blocks (2 s unless a test says).</param>
    public ConnectionClosedNotifier(TimeSpan? disposeWait = null)
    {
        _disposeWait = disposeWait ?? TimeSpan.FromSeconds(2);
        _rescue = new Timer(static n => ((ConnectionClosedNotifier)n!).OnRescueTimer(), this, Timeout.Infinite, Timeout.Infinite);
        _thread = new Thread(Run) { IsBackground = true, Name = "uring-closed" };
        _thread.Start();
    }

    private bool IsStuck
        => Volatile.Read(ref _firingSince) is var since and not 0 && Stopwatch.GetElapsedTime(since) >= StuckAfter;

    /// <summary>Queues <paramref name="connection"/>'s notice (any thread). Once disposed, the thread pool raises it.</summary>
    public void Notify(IConnectionClosedNotice connection)
    {
        if (IsStuck)
        {
            RescueIfStuck();
            ToThreadPool(connection);
            return;
        }
        try
        {
            if (_queue.TryAdd(connection))
                return;
        }
        catch (InvalidOperationException)
        {
            // disposed (adding completed): the transport is stopping
        }
        ToThreadPool(connection);
    }

    private static void ToThreadPool(IConnectionClosedNotice connection)
        => ThreadPool.UnsafeQueueUserWorkItem(static c => c.FireClosed(), connection, preferLocal: false);

    /// <summary>While a callback blocks the thread, the notices queued behind it go to the thread pool.</summary>
    private void RescueIfStuck()
    {
        while (IsStuck && _queue.TryTake(out IConnectionClosedNotice? waiting))
            ToThreadPool(waiting);
    }

    // The timer armed when a callback started: a timer may fire a little early, so until that callback is stuck (or
    // done), look again.
    private void OnRescueTimer()
    {
        long since = Volatile.Read(ref _firingSince);
        if (since == 0)
            return;
        TimeSpan ran = Stopwatch.GetElapsedTime(since);
        if (ran < StuckAfter)
        {
            ArmRescue(StuckAfter - ran + TimeSpan.FromMilliseconds(1));
            return;
        }
        RescueIfStuck();
    }

    private void ArmRescue(TimeSpan due)
    {
        try
        {
            _rescue.Change(due, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // the transport stopped (Dispose may end while a callback still blocks this thread; .NET documents a throw)
        }
    }

    private void Run()
    {
        foreach (IConnectionClosedNotice connection in _queue.GetConsumingEnumerable())
        {
            Volatile.Write(ref _firingSince, Stopwatch.GetTimestamp());
            ArmRescue(StuckAfter);
            connection.FireClosed(); // logs what a callback threw
            Volatile.Write(ref _firingSince, 0);
        }
    }

    /// <summary>Raises what is queued and ends the thread, waiting at most 2 s for a callback that blocks; if one still
    /// does, the notices behind it go to the thread pool, so none waits on it. Idempotent.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        if (!_thread.Join(_disposeWait))
        {
            while (_queue.TryTake(out IConnectionClosedNotice? waiting))
                ToThreadPool(waiting);
        }
        _rescue.Dispose();
    }
}
