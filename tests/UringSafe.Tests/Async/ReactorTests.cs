using System.Diagnostics;
using UringSafe.Async;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Async;

public sealed class ReactorTests
{
    [Fact]
    public void Run_executes_async_main_on_the_reactor_thread()
    {
        int mainThread = Environment.CurrentManagedThreadId;
        int result = UringRuntime.Run(async () =>
        {
            Assert.NotNull(UringReactor.CurrentOrNull);
            int r = await NopOperation.Run();
            // Continuations come back to the reactor thread (the one that called Run).
            Assert.Equal(mainThread, Environment.CurrentManagedThreadId);
            return r + 7;
        });
        Assert.Equal(7, result);
        Assert.Null(UringReactor.CurrentOrNull);
    }

    [Fact]
    public void Many_awaited_operations_complete_in_order_of_awaiting()
    {
        int sum = UringRuntime.Run(async () =>
        {
            int total = 0;
            for (int i = 0; i < 10_000; i++)
                total += await NopOperation.Run() + 1;
            return total;
        });
        Assert.Equal(10_000, sum);
    }

    [Fact]
    public void Awaited_nop_allocates_nothing_in_steady_state()
    {
        long perOp = UringRuntime.Run(async () =>
        {
            for (int i = 0; i < 20_000; i++)
                await NopOperation.Run(); // warm up pools, JIT tiers
            const int N = 50_000;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < N; i++)
                await NopOperation.Run();
            return (GC.GetAllocatedBytesForCurrentThread() - before) / N;
        });
        Assert.Equal(0, perOp);
    }

    [Fact]
    public void Delay_uses_the_ring_and_can_be_cancelled()
    {
        UringRuntime.Run(async () =>
        {
            var sw = Stopwatch.StartNew();
            await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(30));
            Assert.True(sw.ElapsedMilliseconds >= 25, $"{sw.ElapsedMilliseconds} ms");

            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
            sw.Restart();
            var ex = await Assert.ThrowsAsync<UringOperationCanceledException>(async () => await UringReactor.Current.Delay(TimeSpan.FromSeconds(30), cts.Token));
            Assert.True(sw.ElapsedMilliseconds < 5000);
            Assert.Equal(cts.Token, ex.CancellationToken);
            Assert.Equal(0, UringReactor.Current.InFlight);
        });
    }

    [Fact]
    public void Link_timeout_turns_a_stuck_operation_into_a_timeout_exception()
    {
        using var fds = new Fds();
        var (rd, _) = fds.Pipe();
        UringRuntime.Run(async () =>
        {
            await Assert.ThrowsAsync<UringTimeoutException>(async () =>
                await UringReactor.Current.Execute<PollReadableOperation, int>(new PollReadableOperation(rd), default, TimeSpan.FromMilliseconds(30)));
            Assert.Equal(0, UringReactor.Current.InFlight);
        });
    }

    [Fact]
    public void Work_posted_from_another_thread_wakes_a_sleeping_reactor()
    {
        UringRuntime.Run(async () =>
        {
            UringReactor reactor = UringReactor.Current;
            var tcs = new TaskCompletionSource<int>();
            int reactorThread = Environment.CurrentManagedThreadId;
            _ = Task.Run(async () =>
            {
                await Task.Delay(50);
                reactor.Post(_ => tcs.SetResult(Environment.CurrentManagedThreadId), null);
            });
            // The reactor blocks in io_uring_enter until the eventfd wakes it.
            int ranOn = await tcs.Task;
            Assert.Equal(reactorThread, ranOn);
        });
    }

    [Fact]
    public void Continuations_of_non_uring_tasks_return_to_the_reactor()
    {
        UringRuntime.Run(async () =>
        {
            int reactorThread = Environment.CurrentManagedThreadId;
            await Task.Delay(10); // a thread-pool timer completes this
            Assert.Equal(reactorThread, Environment.CurrentManagedThreadId);
            await Task.Run(() => Thread.Sleep(5));
            Assert.Equal(reactorThread, Environment.CurrentManagedThreadId);
        });
    }

    [Fact]
    public void An_operation_past_MaxInFlight_fails_with_EAGAIN_and_hands_its_buffer_back()
    {
        using var fds = new Fds();
        var (rd, _) = fds.Pipe();
        UringRuntime.Run(async () =>
        {
            var pending = new List<ValueTask<int>>();
            for (int i = 0; i < 4; i++)
                pending.Add(UringReactor.Current.Execute<PollReadableOperation, int>(new PollReadableOperation(rd)));
            using UringSafe.Files.UringFile file = UringSafe.Files.UringFile.FromFd(fds.Forget(rd), "pipe");
            UringSafe.Buffers.IoBuffer buf = UringSafe.Buffers.IoBuffer.Allocate(8);
            try
            {
                (_, buf) = await file.ReadAtAsync(buf, -1);
                Assert.Fail("a fifth operation was accepted");
            }
            catch (UringException e)
            {
                buf = ReturnedBuffer.From<UringSafe.Buffers.IoBuffer>(e)!;
                Assert.Equal(Errno.EAGAIN, e.Errno);
                Assert.Contains("MaxInFlight", e.Message);
            }
            Assert.False(buf.IsLent);
            buf.Dispose();
            Assert.Equal(4, UringReactor.Current.InFlight);
        }, new ReactorOptions { MaxInFlight = 4 });
    }

    [Fact]
    public void Operations_start_only_on_a_reactor_thread()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => NopOperation.Run());
        Assert.Contains("UringRuntime.Run", ex.Message);
    }

    [Fact]
    public void Disposing_a_reactor_with_operations_in_flight_cancels_and_drains_them()
    {
        using var fds = new Fds();
        var (rd, _) = fds.Pipe();
        var reactor = new UringReactor();
        try
        {
            var pending = new List<ValueTask<int>>();
            for (int i = 0; i < 8; i++)
                pending.Add(reactor.Execute<PollReadableOperation, int>(new PollReadableOperation(rd)));
            reactor.RunUntil(Task.Delay(20));
            Assert.Equal(8, reactor.InFlight);
            reactor.Dispose();
            Assert.Equal(0, reactor.InFlight);
            Assert.Equal(0, reactor.LeakedOperations);
            foreach (var p in pending)
                Assert.True(p.IsCompleted);
            Assert.Throws<UringException>(() => pending[0].GetAwaiter().GetResult());
        }
        finally
        {
            reactor.Dispose();
        }
    }

    [Fact]
    public async Task Executor_runs_one_reactor_per_thread_and_they_message_each_other()
    {
        using var executor = new UringExecutor(2);
        Assert.Equal(2, executor.Count);
        var threads = executor.SpawnOnEach(async index =>
        {
            await NopOperation.Run();
            Assert.Same(executor.Reactors[index], UringReactor.Current);
        });
        await threads.WaitAsync(TimeSpan.FromSeconds(10));

        // Reactor 0 posts to reactor 1 while 1 sleeps: the wake goes over IORING_OP_MSG_RING.
        Task<int> ping = executor.Spawn(0, async () =>
        {
            var reply = new TaskCompletionSource<int>();
            UringReactor one = executor.Reactors[1];
            one.Post(_ => reply.SetResult(Environment.CurrentManagedThreadId), null);
            return await reply.Task;
        });
        int pongThread = await ping.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotEqual(Environment.CurrentManagedThreadId, pongThread);
    }
}
