using System.Diagnostics;

namespace UringSafe.Async;

/// <summary>
/// One background thread per process, started with the first reactor that has a stall threshold: every quarter of
/// the smallest threshold (at most 250 ms) it asks each reactor to check its operations and its loop. It only reads
/// what the reactors publish; it never touches a ring.
/// </summary>
internal static class StallMonitor
{
    private static readonly object s_lock = new();
    private static Thread? s_thread;
    private static long s_periodTicks = TimeSpan.FromMilliseconds(250).Ticks;

    public static void Watch(TimeSpan smallestThreshold)
    {
        lock (s_lock)
        {
            long period = Math.Clamp(smallestThreshold.Ticks / 4, TimeSpan.FromMilliseconds(5).Ticks, TimeSpan.FromMilliseconds(250).Ticks);
            s_periodTicks = Math.Min(s_periodTicks, period);
            if (s_thread is not null)
                return;
            s_thread = new Thread(Run) { IsBackground = true, Name = "uringsafe-stall-monitor" };
            s_thread.Start();
        }
    }

    private static void Run()
    {
        while (true)
        {
            Thread.Sleep(TimeSpan.FromTicks(Volatile.Read(ref s_periodTicks)));
            long now = Stopwatch.GetTimestamp();
            foreach (UringReactor reactor in UringReactor.All)
            {
                try
                {
                    reactor.CheckStalls(now);
                }
                catch (Exception)
                {
                    // a reactor disposed under us, or a torn read: try again next period
                }
            }
        }
    }
}
