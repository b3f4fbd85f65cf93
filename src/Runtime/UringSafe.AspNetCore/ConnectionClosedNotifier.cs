using System.Collections.Concurrent;

namespace UringSafe.AspNetCore;

/// <summary>
/// Raises connections' <c>ConnectionClosed</c> (Kestrel's abort of the connection and of its request, and any callback
/// the application registered) on one thread of the transport's own, in the order the connections' receive sides
/// ended. Not on the reactor: the callbacks may be the application's, and may block. Not through the thread pool's
/// queue either, as the sockets transport does: there the notice waits behind whatever the pool has queued, and when
/// handlers keep every pool thread busy (downloads streamed to fast clients, whose sends the reactors never let fall
/// behind) it waited seconds, and with it Kestrel's abort, so a client that had left stayed in CLOSE-WAIT with its fd
/// held (issue 19).
/// </summary>
internal sealed class ConnectionClosedNotifier : IDisposable
{
    private readonly BlockingCollection<UringConnection> _queue = new(new ConcurrentQueue<UringConnection>());
    private readonly Thread _thread;

    public ConnectionClosedNotifier()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "uring-closed" };
        _thread.Start();
    }

    /// <summary>Queues <paramref name="connection"/>'s notice (any thread). Once disposed, the thread pool raises it.</summary>
    public void Notify(UringConnection connection)
    {
        try
        {
            if (_queue.TryAdd(connection))
                return;
        }
        catch (InvalidOperationException)
        {
            // disposed (adding completed): the transport is stopping
        }
        ThreadPool.UnsafeQueueUserWorkItem(static c => c.FireClosed(), connection, preferLocal: false);
    }

    private void Run()
    {
        foreach (UringConnection connection in _queue.GetConsumingEnumerable())
            connection.FireClosed(); // logs what a callback threw
    }

    /// <summary>Raises what is queued and ends the thread (waiting at most 2 s for a callback that blocks).</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(2));
    }
}
