using System.Runtime.CompilerServices;
using UringSafe.Async;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Async;

/// <summary>
/// An operation's await takes one of two paths (OperationSource.OnCompleted): on the reactor thread under its own
/// context the continuation is called directly from the completion; anything else goes through the general core.
/// Both keep the ValueTask contract: one await, the right status, resumption wherever the awaiter asked.
/// </summary>
public class AwaitPathTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact]
    public void A_cancelled_operation_awaited_on_the_reactor_thread_reports_Canceled()
    {
        Watchdog.Run(nameof(A_cancelled_operation_awaited_on_the_reactor_thread_reports_Canceled), async () =>
        {
            using var cts = new CancellationTokenSource();
            Task<int> task = UringReactor.Current.Delay(TimeSpan.FromSeconds(30), cts.Token).AsTask();
            cts.Cancel();
            Assert.True(await Watchdog.FinishesWithin(task, Bound), "the cancelled Delay never completed");
            Assert.True(task.IsCanceled, $"status {task.Status}: a cancelled operation must read as Canceled, not Faulted");
        });
    }

    [Fact]
    public void A_second_await_of_a_pending_operation_throws_and_the_first_still_resumes()
    {
        Watchdog.Run(nameof(A_second_await_of_a_pending_operation_throws_and_the_first_still_resumes), async () =>
        {
            ValueTask<int> delay = UringReactor.Current.Delay(TimeSpan.FromMilliseconds(20));
            ValueTaskAwaiter<int> awaiter = delay.GetAwaiter();
            var resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            awaiter.UnsafeOnCompleted(() => resumed.SetResult());
            Assert.Throws<InvalidOperationException>(() => awaiter.UnsafeOnCompleted(() => { }));
            Assert.True(await Watchdog.FinishesWithin(resumed.Task, Bound), "the first await never resumed");
            Assert.Equal(0, awaiter.GetResult());
        });
    }

    [Fact]
    public void An_operation_awaited_from_another_thread_resumes_it()
    {
        Watchdog.Run(nameof(An_operation_awaited_from_another_thread_resumes_it), async () =>
        {
            UringReactor reactor = UringReactor.Current;
            ValueTask<int> delay = reactor.Delay(TimeSpan.FromMilliseconds(20));
            Task<int> elsewhere = Task.Run(async () =>
            {
                Assert.False(reactor.IsOnReactorThread);
                return await delay; // the general path: registered off the reactor thread, racing the completion
            });
            Assert.True(await Watchdog.FinishesWithin(elsewhere, Bound), "an await from a thread-pool thread never resumed");
            Assert.Equal(0, await elsewhere);
        });
    }
}
