using UringSafe.AspNetCore;
using UringSafe.Tests.Support;

namespace UringSafe.AspNetCore.Tests;

/// <summary>
/// The transport's ConnectionClosed thread at shutdown: stopping never waits behind, loses, or crashes on a callback
/// that blocks. (The rest of its behaviour is in <see cref="KilledDownloadTests"/>, end to end.)
/// </summary>
public class ConnectionClosedNotifierTests
{
    private sealed class Notice(Action fire) : IConnectionClosedNotice
    {
        public void FireClosed() => fire();
    }

    [Fact]
    public void A_notice_behind_a_callback_that_outlives_dispose_is_raised_at_once_and_nothing_crashes_when_it_returns()
    {
        Watchdog.RunThread("notifier dispose behind a blocked callback", () =>
        {
            using var gate = new ManualResetEventSlim();
            using var blocking = new ManualResetEventSlim();
            using var raised = new ManualResetEventSlim();
            using var afterwards = new ManualResetEventSlim();
            var notifier = new ConnectionClosedNotifier(disposeWait: TimeSpan.FromMilliseconds(50));
            notifier.Notify(new Notice(() => { blocking.Set(); gate.Wait(); }));
            Assert.True(blocking.Wait(TimeSpan.FromSeconds(5)), "the first callback did not start");
            notifier.Notify(new Notice(raised.Set));
            notifier.Dispose(); // gives up waiting for the blocked callback after 50 ms

            Assert.True(raised.Wait(TimeSpan.FromSeconds(5)),
                "the notice queued behind a blocked callback was not raised after Dispose gave up on that callback");
            notifier.Dispose(); // idempotent
            notifier.Notify(new Notice(afterwards.Set)); // after dispose: raised on the thread pool
            Assert.True(afterwards.Wait(TimeSpan.FromSeconds(5)), "a notice after Dispose was not raised");

            // The blocked callback returns after the notifier was disposed: its thread must end quietly (a disposed
            // timer touched there would be an unhandled exception, which ends the process).
            gate.Set();
            Thread.Sleep(200);
        }, TimeSpan.FromSeconds(20));
    }
}
