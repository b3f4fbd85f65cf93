using System.Diagnostics;
using UringSafe.Async;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Async;

/// <summary>Reactors wake each other with IORING_OP_MSG_RING; the message must leave even if the sender blocks next.</summary>
public class CrossReactorWakeTests
{
    [Fact]
    public async Task A_reactor_that_posts_to_another_and_then_blocks_still_wakes_it()
    {
        using var executor = new UringExecutor(2, pinToCores: false, options: new ReactorOptions { BlockedThreshold = TimeSpan.Zero });
        UringReactor target = executor.Reactors[1];
        long latencyTicks = -1;
        using var ran = new ManualResetEventSlim();
        Task sender = executor.Spawn(0, async () =>
        {
            await Task.Yield();
            await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(50)); // let the target fall asleep in io_uring_enter
            long posted = Stopwatch.GetTimestamp();
            target.Post(_ =>
            {
                Volatile.Write(ref latencyTicks, Stopwatch.GetTimestamp() - posted);
                ran.Set();
            }, null);
#pragma warning disable UR0008 // blocks the sender reactor on purpose: the wake-up of the target must not wait for it
            Thread.Sleep(1500); // the sender blocks right after posting (a .Wait(), a lock...)
#pragma warning restore UR0008
        });
        Assert.True(await Task.WhenAny(sender, Task.Delay(TimeSpan.FromSeconds(10))) == sender, "the sender did not finish");
        Assert.True(ran.Wait(TimeSpan.FromSeconds(5)), "the posted work never ran on the target reactor");
        TimeSpan latency = Stopwatch.GetElapsedTime(0, Volatile.Read(ref latencyTicks));
        Assert.True(latency < TimeSpan.FromMilliseconds(1000),
            $"the target ran the posted work {latency.TotalMilliseconds:0} ms after the post: the wake-up waited for the blocked sender");
    }

    // A post from another reactor that finds the target asleep takes the wake-up on itself; if another wake-up gets
    // there first and the target ends (its drain runs the post) before this one's message leaves, the message has
    // nowhere to go. That is not an error of the post (it was accepted and ran): it must not throw (the shutdown storm's
    // executor.Dispose() from one of its reactors threw ObjectDisposedException from the target's ring).
    [Fact]
    public void A_post_whose_target_ends_before_its_wake_up_leaves_does_not_throw()
    {
        Watchdog.RunThread("wake-up of a reactor that ended meanwhile", () =>
        {
            UringReactor target = null!;
            var stop = new TaskCompletionSource();
            using var created = new ManualResetEventSlim();
            var targetThread = new Thread(() =>
            {
                target = new UringReactor();
                created.Set();
                try
                {
                    target.RunUntil(stop.Task);
                }
                finally
                {
                    target.Dispose();
                }
            }) { IsBackground = true, Name = "target reactor" };
            targetThread.Start();
            created.Wait();
            while (!target.IsSleepingForTesting)
                Thread.Yield(); // until the target waits in its ring, idle
            var sender = new UringReactor(); // this thread's reactor: its posts wake others with a message
            bool ran = false;
            target.BeforeWakeForTesting = () =>
            {
                stop.SetResult();
                target.WakeByEventFd(); // another wake-up gets there first: the target ends
                targetThread.Join();
            };
            Exception? error = Record.Exception(() => target.Post(_ => ran = true, null));
            sender.Dispose();
            Assert.True(target.IsDisposed);
            Assert.True(error is null, $"The post threw: {error}");
            Assert.True(ran, "The post was accepted but never ran.");
        }, TimeSpan.FromSeconds(30));
    }
}
