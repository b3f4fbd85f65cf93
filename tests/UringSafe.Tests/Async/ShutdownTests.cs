using System.Diagnostics;
using System.Net;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Diagnostics;
using UringSafe.Files;
using UringSafe.Net;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Async;

/// <summary>
/// Regression tests for issue 18: stopping never hangs, crashes or leaks. Each runs its reactor on a thread of its own
/// under a watchdog; "returns quickly" means well inside the reactor's ShutdownTimeout (set long on purpose, so a
/// drain that waits for it is caught).
/// </summary>
public class ShutdownTests
{
    private static readonly TimeSpan LongShutdown = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);

    /// <summary>Runs <paramref name="setup"/> on a fresh reactor until it completes, then disposes the reactor and
    /// returns how long Dispose took.</summary>
    private static TimeSpan DisposeAfter(UringReactor reactor, Func<Task> setup)
    {
        reactor.RunUntil(reactor.Spawn(setup)); // Spawn: its awaits resume on the reactor
        var watch = Stopwatch.StartNew();
        reactor.Dispose();
        return watch.Elapsed;
    }

    // 1. Disposing a reactor must not re-arm what it has just cancelled.
    [Fact]
    public void Dispose_with_an_open_multishot_listener_returns_at_once_and_leaks_nothing()
    {
        Watchdog.RunThread("dispose with a multishot listener", () =>
        {
            var reactor = new UringReactor(new ReactorOptions { ShutdownTimeout = LongShutdown });
            UringTcpListener listener = null!;
            TimeSpan took = DisposeAfter(reactor, () =>
            {
                listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                return Task.Delay(20);
            });
            Assert.True(took < Quick, $"Dispose took {took.TotalMilliseconds:0} ms: a re-armed accept kept it waiting for the shutdown timeout.");
            Assert.Equal(0, reactor.LeakedOperations);
            int port = listener.LocalEndPoint.Port;
            listener.Dispose();
            Assert.True(listener.SharedFd.IsClosed, $"The listener's fd was not closed after the reactor stopped: {listener.SharedFd}");
            Assert.True(ShutdownStorm.CanBind(port), $"Port {port} is still bound after the listener and its reactor were disposed.");
        }, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Dispose_with_an_armed_multishot_receive_returns_at_once_and_hands_every_buffer_back()
    {
        Watchdog.RunThread("dispose with a multishot receive", () =>
        {
            var reactor = new UringReactor(new ReactorOptions { ShutdownTimeout = LongShutdown });
            ProvidedBufferPool pool = null!;
            UringTcpListener listener = null!;
            UringTcpStream client = null!, server = null!;
            ValueTask<ReceivedBuffer> pending = default;
            TimeSpan took = DisposeAfter(reactor, async () =>
            {
                listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                Task<UringTcpStream> accept = listener.AcceptAsync().AsTask();
                client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
                server = await accept;
                pool = new ProvidedBufferPool(bufferSize: 64, count: 8);
                pending = server.ReceiveAsync(pool);
                await Task.Delay(20);
            });
            Assert.True(took < Quick, $"Dispose took {took.TotalMilliseconds:0} ms: a re-armed receive kept it waiting for the shutdown timeout.");
            Assert.Equal(0, reactor.LeakedOperations);
            Assert.True(pending.IsCompleted, "The pending receive never completed.");
            Assert.Equal(0, pool.Leased);
            server.Dispose();
            client.Dispose();
            listener.Dispose();
            Assert.True(server.SharedFd.IsClosed && client.SharedFd.IsClosed && listener.SharedFd.IsClosed, "A socket stayed open after its reactor stopped.");
            pool.Dispose();
        }, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_continuation_that_starts_an_operation_during_the_drain_is_refused_with_its_buffer()
    {
        Watchdog.RunThread("operation started during the drain", () =>
        {
            using var fds = new Fds();
            var (rd, _) = fds.Pipe();
            var reactor = new UringReactor(new ReactorOptions { ShutdownTimeout = LongShutdown });
            Task<Exception?> follower = null!;
            TimeSpan took = DisposeAfter(reactor, () =>
            {
                follower = Follow();
                return Task.Delay(20);
            });
            Assert.True(took < Quick, $"Dispose took {took.TotalMilliseconds:0} ms: an operation started during the drain was submitted.");
            Assert.Equal(0, reactor.LeakedOperations);
            Assert.True(follower.IsCompleted, "The continuation's second operation never completed.");
            Exception? second = follower.Result;
            var refused = Assert.IsAssignableFrom<UringException>(second);
            Assert.Contains("shut", refused.Message, StringComparison.OrdinalIgnoreCase);
            var buf = Assert.IsType<IoBuffer>(refused.Buffer);
            Assert.False(buf.IsLent, "The refused operation's buffer is still marked lent.");
            buf.Dispose();

            async Task<Exception?> Follow()
            {
                using var file = UringFile.FromFd(Fds.Dup(rd), "pipe");
                IoBuffer b = IoBuffer.Allocate(16);
                try
                {
                    (_, b) = await file.ReadAtAsync(b, 0);
                }
                catch (UringException e)
                {
                    b = ReturnedBuffer.From<IoBuffer>(e)!;
                }
                try
                {
                    (_, b) = await file.ReadAtAsync(b, 0); // started during the drain: must be refused, not submitted
                    b.Dispose();
                    return null;
                }
                catch (UringException e)
                {
                    return e;
                }
            }
        }, TimeSpan.FromSeconds(30));
    }

    // 2. UringExecutor.Dispose() from work on one of its own reactors.
    [Fact]
    public void Executor_dispose_from_its_own_reactor_does_not_deadlock()
    {
        Watchdog.RunThread("executor dispose from its own reactor", () =>
        {
            var executor = new UringExecutor(2);
            Task stopping = executor.Spawn(1, () =>
            {
                executor.Dispose();
                return Task.CompletedTask;
            });
            Assert.True(stopping.Wait(TimeSpan.FromSeconds(10)), "Dispose from a reactor of the executor did not return.");
            var deadline = Stopwatch.StartNew();
            while (!(executor.Reactors[0].IsDisposed && executor.Reactors[1].IsDisposed) && deadline.Elapsed < TimeSpan.FromSeconds(10))
                Thread.Sleep(10);
            Assert.True(executor.Reactors[0].IsDisposed, "Reactor 0 was not stopped.");
            Assert.True(executor.Reactors[1].IsDisposed, "The calling reactor's loop did not end after its callback returned.");
            executor.Dispose(); // idempotent
            Assert.Throws<ObjectDisposedException>(() => { _ = executor.Spawn(0, () => Task.CompletedTask); });
        }, TimeSpan.FromSeconds(30));
    }

    // 3. A throwing callback posted to an executor reactor must not kill the process.
    [Fact]
    public void A_throwing_posted_callback_reaches_UnhandledException_and_the_reactor_keeps_running()
    {
        Watchdog.RunThread("throwing posted callback", () =>
        {
            using var executor = new UringExecutor(1);
            var reported = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            executor.Reactors[0].UnhandledException += (_, e) => reported.TrySetResult(e);
            executor.Reactors[0].SynchronizationContext.Post(_ => throw new InvalidOperationException("from Post"), null);
            Assert.True(reported.Task.Wait(TimeSpan.FromSeconds(5)), "The posted callback's exception was not reported.");
            Assert.Equal("from Post", reported.Task.Result.Message);
            Task<int> after = executor.Spawn(0, () => Task.FromResult(7));
            Assert.True(after.Wait(TimeSpan.FromSeconds(5)), "The reactor stopped running work after the callback threw.");
        });
    }

    [Fact]
    public void An_async_void_that_throws_on_an_executor_reactor_is_reported_not_fatal()
    {
        Watchdog.RunThread("async void throws", () =>
        {
            using var executor = new UringExecutor(1);
            var reported = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            executor.Reactors[0].UnhandledException += (_, e) => reported.TrySetResult(e);
            executor.Spawn(0, () =>
            {
                Fire();
                return Task.CompletedTask;
            }).Wait(TimeSpan.FromSeconds(5));
            Assert.True(reported.Task.Wait(TimeSpan.FromSeconds(5)), "The async void method's exception was not reported.");
            Assert.Equal("async void", reported.Task.Result.Message);
            Assert.True(executor.Spawn(0, () => Task.Delay(1)).Wait(TimeSpan.FromSeconds(5)), "The reactor stopped running work.");
        });

        static async void Fire()
        {
            await Task.Yield();
            throw new InvalidOperationException("async void");
        }
    }

    [Fact]
    public void Under_Run_a_throwing_posted_callback_is_reported_and_the_main_task_still_completes()
    {
        var errors = new List<Exception>();
        Watchdog.Run("posted callback under Run", async () =>
        {
            UringReactor.Current.UnhandledException += (_, e) => errors.Add(e);
            SynchronizationContext.Current!.Post(_ => throw new InvalidOperationException("posted"), null);
            await Task.Delay(20);
        });
        Assert.Equal("posted", Assert.Single(errors).Message);
    }

    // 4. Send to a disposed reactor, Post to it.
    [Fact]
    public void Send_to_a_disposed_reactor_throws_and_Post_is_reported()
    {
        UringReactor reactor = null!;
        var reported = new List<Exception>();
        Watchdog.RunThread("make and dispose a reactor", () =>
        {
            reactor = new UringReactor();
            reactor.UnhandledException += (_, e) => { lock (reported) reported.Add(e); };
            reactor.Dispose();
        });
        Watchdog.RunThread("Send to a disposed reactor", () =>
        {
            Assert.Throws<ObjectDisposedException>(() => reactor.SynchronizationContext.Send(_ => { }, null));
            reactor.SynchronizationContext.Post(_ => { }, null);
        });
        lock (reported)
            Assert.IsType<ObjectDisposedException>(Assert.Single(reported));
    }

    // 5. A close from another thread that lands while the reactor is ending.
    [Fact]
    public void A_close_posted_from_another_thread_during_the_drain_still_closes_the_fd()
    {
        using var fds = new Fds();
        var (rd, _) = fds.Pipe();
        int victimFd = Fds.Dup(rd);
        Task closed = null!;
        SharedFd victim = null!;
        Watchdog.RunThread("close during the drain", () =>
        {
            var reactor = new UringReactor(new ReactorOptions { ShutdownTimeout = LongShutdown });
            victim = new SharedFd(victimFd, "victim pipe");
            reactor.RunUntil(reactor.Spawn(Start));
            reactor.Dispose();

            async Task Start()
            {
                await Task.Yield(); // bind the victim to this reactor from work running on it
                Assert.True(victim.TryUseOn(UringReactor.Current));
                _ = WaitThenCloseVictim();
                await Task.Delay(20);
            }

            async Task WaitThenCloseVictim()
            {
                var file = UringFile.FromFd(Fds.Dup(rd), "pipe");
                byte[] b = new byte[8];
                try
                {
                    (_, b) = await file.ReadAtAsync(b, 0);
                }
                catch (UringException)
                {
                    // cancelled by the shutdown: now, during the drain, another thread closes the victim
                }
                var other = new Thread(() => closed = victim.CloseAsync());
                other.Start();
                other.Join();
                file.Dispose();
            }
        }, TimeSpan.FromSeconds(30));
        Watchdog.RunThread("the posted close completes", () =>
            Assert.True(closed.Wait(TimeSpan.FromSeconds(5)), $"CloseAsync posted during the drain never completed: {victim}"));
        Assert.False(FdProbe.IsOpen(victimFd) && FdProbe.Target(victimFd) == FdProbe.Target(rd), $"fd {victimFd} leaked.");
    }

    // 6. A closing descriptor wins over a timeout.
    [Fact]
    public void Closing_a_file_ends_a_timed_read_with_the_closed_error_not_a_timeout()
    {
        using var fds = new Fds();
        var (rd, _) = fds.Pipe();
        Watchdog.Run("close beats timeout", async () =>
        {
            var file = UringFile.FromFd(Fds.Dup(rd), "pipe");
            IoBuffer buf = IoBuffer.Allocate(16);
            Task<IoResult<IoBuffer>> read = file.ReadAtAsync(buf, 0, TimeSpan.FromSeconds(30)).AsTask();
            await Task.Delay(10);
            file.Dispose();
            var e = await Assert.ThrowsAnyAsync<UringException>(() => read);
            buf = ReturnedBuffer.From<IoBuffer>(e)!;
            Assert.IsNotType<UringTimeoutException>(e);
            Assert.Contains("closed", e.Message);
            buf.Dispose();
        });
    }

    [Fact]
    public void Reactor_shutdown_ends_a_timed_read_with_the_shutdown_error_not_a_timeout()
    {
        using var fds = new Fds();
        var (rd, _) = fds.Pipe();
        Watchdog.RunThread("shutdown beats timeout", () =>
        {
            var reactor = new UringReactor(new ReactorOptions { ShutdownTimeout = LongShutdown });
            ValueTask<IoResult<IoBuffer>> read = default;
            UringFile file = null!;
            reactor.RunUntil(Start());
            reactor.Dispose();
            Assert.True(read.IsCompleted);
            var e = Assert.ThrowsAny<UringException>(() => read.GetAwaiter().GetResult());
            ReturnedBuffer.From<IoBuffer>(e)!.Dispose();
            Assert.IsNotType<UringTimeoutException>(e);
            Assert.Contains("shut", e.Message, StringComparison.OrdinalIgnoreCase);
            file.Dispose();

            Task Start()
            {
                file = UringFile.FromFd(Fds.Dup(rd), "pipe");
                read = file.ReadAtAsync(IoBuffer.Allocate(16), 0, TimeSpan.FromSeconds(30));
                return Task.Delay(10);
            }
        }, TimeSpan.FromSeconds(30));
    }

    // 7. AcceptAsync on a listener that is already closed.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Accept_on_a_closed_listener_says_it_is_closed_not_that_it_closed_while_pending(bool multishot)
    {
        Watchdog.Run("accept after close", async () =>
        {
            var listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), new UringListenerOptions { Multishot = multishot });
            listener.Dispose();
            var e = await Assert.ThrowsAsync<ObjectDisposedException>(async () => await listener.AcceptAsync());
            Assert.DoesNotContain("while an accept was pending", e.Message);
            Assert.Contains("closed", e.Message);
        });
    }

    // 8. A multishot read (accept, receive) pending when the reactor stops, with no request armed for it: nothing
    // completes for it any more, so the shutdown must end it (the shutdown storm's "the load never ended").
    [Fact]
    public void A_pending_accept_whose_arming_was_refused_ends_with_the_shutdown_error()
    {
        Watchdog.RunThread("accept waiting for a re-arm at shutdown", () =>
        {
            // Every submission is refused, as by a full SQ: the accept's arming is retried on the next loop turn, and
            // the reactor is disposed before that turn comes.
            var reactor = new UringReactor(new ReactorOptions { ShutdownTimeout = LongShutdown, FaultInjection = new FaultInjectionOptions { SqFullRate = 1 } });
            UringTcpListener listener = null!;
            Task<UringTcpStream> accept = null!;
            TimeSpan took = DisposeAfter(reactor, () =>
            {
                listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                accept = listener.AcceptAsync().AsTask();
                return Task.CompletedTask;
            });
            Assert.True(took < Quick, $"Dispose took {took.TotalMilliseconds:0} ms.");
            Assert.True(accept.IsCompleted, "The pending accept never completed: the retry of its arming found the reactor shutting down and dropped it.");
            var e = Assert.IsAssignableFrom<UringException>(accept.Exception!.InnerException);
            Assert.Contains("shut down", e.Message);
            listener.Dispose();
        }, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_receive_waiting_for_a_provided_buffer_ends_with_the_shutdown_error()
    {
        Watchdog.RunThread("receive starved of buffers at shutdown", () =>
        {
            var reactor = new UringReactor(new ReactorOptions { ShutdownTimeout = LongShutdown });
            ProvidedBufferPool pool = null!;
            UringTcpListener listener = null!;
            UringTcpStream client = null!, server = null!;
            ReceivedBuffer held = default;
            ValueTask<ReceivedBuffer> pending = default;
            TimeSpan took = DisposeAfter(reactor, async () =>
            {
                listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                Task<UringTcpStream> accept = listener.AcceptAsync().AsTask();
                client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
                server = await accept;
                pool = new ProvidedBufferPool(bufferSize: 1, count: 1); // one buffer of one byte, and no growth
                byte[] two = new byte[2];
                (_, two) = await client.WriteAllAsync(two);
                held = await server.ReceiveAsync(pool); // the pool's one buffer, kept: the second byte finds none
                pending = server.ReceiveAsync(pool);
                while (pool.Exhaustions == 0)
                    await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(1)); // until the receive is starved (not armed)
            });
            Assert.True(took < Quick, $"Dispose took {took.TotalMilliseconds:0} ms.");
            Assert.Equal(0, reactor.LeakedOperations);
            Assert.True(pending.IsCompleted, "The receive waiting for a buffer never completed: nothing was armed for it, and the shutdown did not end it.");
            var e = Assert.ThrowsAny<UringException>(() => pending.GetAwaiter().GetResult());
            Assert.Contains("shut down", e.Message);
            Assert.Equal(1, held.Length);
            pool.Dispose(); // the kept lease goes with it
            server.Dispose();
            client.Dispose();
            listener.Dispose();
        }, TimeSpan.FromSeconds(30));
    }

    // 9. The fd of a multishot read closed (by its SharedFd, as another owner's close would) while the read waits for
    // its arming to be retried: the retry finds the fd closing and must end the read.
    [Fact]
    public void Closing_the_fd_under_an_accept_waiting_for_its_arming_ends_the_accept()
    {
        Watchdog.Run("close under an accept waiting for a re-arm", async () =>
        {
            var listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0)); // every submission is refused
            Task<UringTcpStream> accept = listener.AcceptAsync().AsTask();
            listener.SharedFd.Close();
            await Task.Yield(); // after the retry posted by the refused arming
            Assert.True(accept.IsCompleted, "The pending accept never completed: the retry of its arming found the fd closing and dropped it.");
            await Assert.ThrowsAsync<ObjectDisposedException>(() => accept);
            listener.Dispose();
        }, new ReactorOptions { FaultInjection = new FaultInjectionOptions { SqFullRate = 1 } });
    }

    // 10. IsDisposed says the reactor has ended: by then its ring is released, so what another thread disposes once it
    // sees it (a buffer pool, as the shutdown storm does) can't reach the ring while it is still open, from the wrong
    // thread (io_uring_register through the reactor thread's registered ring index: EINVAL, or another ring's group).
    [Fact]
    public void IsDisposed_turns_true_only_once_the_ring_is_released()
    {
        Watchdog.RunThread("IsDisposed and the ring's release", () =>
        {
            var reactor = new UringReactor(new ReactorOptions { ShutdownTimeout = LongShutdown });
            ProvidedBufferPool pool = null!;
            reactor.RunUntil(reactor.Spawn(() =>
            {
                pool = new ProvidedBufferPool(bufferSize: 64, count: 8);
                return Task.CompletedTask;
            }));
            bool? endedWhileRingOpen = null;
            Exception? disposeError = null;
            bool poolDisposed = false;
            void DisposePoolFromAnotherThread()
            {
                var other = new Thread(() =>
                {
                    try
                    {
                        pool.Dispose();
                    }
                    catch (Exception e)
                    {
                        disposeError = e;
                    }
                });
                other.Start();
                other.Join();
                poolDisposed = true;
            }
            reactor.BeforeRingReleasedForTesting = () =>
            {
                endedWhileRingOpen = reactor.IsDisposed;
                if (reactor.IsDisposed)
                    DisposePoolFromAnotherThread(); // what a thread waiting for IsDisposed does at this moment
            };
            reactor.Dispose();
            Assert.True(reactor.IsDisposed);
            if (!poolDisposed)
                DisposePoolFromAnotherThread();
            Assert.True(disposeError is null, $"Disposing the pool once IsDisposed was true failed: {disposeError}");
            Assert.False(endedWhileRingOpen, "IsDisposed was true while the reactor's ring was still open.");
        }, TimeSpan.FromSeconds(30));
    }

    // 11. Work that keeps posting itself past the shutdown timeout: the drain's last turn runs what was queued, and what
    // that posts again can never run. It is reported as dropped (as a post to a disposed reactor is), not lost silently.
    [Fact]
    public void Work_posted_in_the_last_turn_of_a_drain_that_ran_out_of_time_is_reported_as_dropped()
    {
        Watchdog.RunThread("posts past the shutdown timeout", () =>
        {
            var reactor = new UringReactor(new ReactorOptions { ShutdownTimeout = TimeSpan.FromMilliseconds(100) });
            var dropped = new List<Exception>();
            reactor.UnhandledException += (_, e) => dropped.Add(e);
            int posts = 0, ran = 0;
            void Again(object? _)
            {
                ran++;
                posts++;
                reactor.Post(Again, null); // the drain never empties its queue: it runs out of time
            }
            posts++;
            reactor.Post(Again, null);
            reactor.Dispose();
            Assert.All(dropped, e => Assert.IsType<ObjectDisposedException>(e));
            Assert.True(posts == ran + dropped.Count, $"{posts} posts, {ran} ran, {dropped.Count} reported as dropped: {posts - ran - dropped.Count} lost silently.");
        }, TimeSpan.FromSeconds(30));
    }
}
