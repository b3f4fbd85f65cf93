using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Files;
using UringSafe.Net;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Async;

/// <summary>
/// Regression tests for ownership bugs of the reactor, the socket and file types, against the real kernel io_uring.
/// Each scenario runs on its own thread under a <see cref="Watchdog"/>, and waits inside the reactor are bounded, so a
/// bug fails the test with a message instead of hanging the host. The class runs alone (the fd-count collection):
/// several scenarios reuse a just-closed fd number, and parallel tests opening fds would race for it.
/// </summary>
[Collection(FdCountCollection.Name)]
public sealed class OwnershipRegressionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(3);
    private static readonly IPEndPoint AnyLoopback = new(IPAddress.Loopback, 0);

    // ---- 1. generation overflow ----

    [Fact]
    public void Bug1_GenerationOverflow_DelaysStillCompleteOnceASlotGenerationReaches0x80000000()
    {
        Watchdog.Run(nameof(Bug1_GenerationOverflow_DelaysStillCompleteOnceASlotGenerationReaches0x80000000), async () =>
        {
            UringReactor reactor = UringReactor.Current;
            reactor.SetGenerationsForTesting(0x7FFFFFFF);
            for (int i = 0; i < 3; i++)
            {
                Task delay = reactor.Delay(TimeSpan.FromMilliseconds(1)).AsTask();
                Assert.True(await Watchdog.FinishesWithin(delay, Bound),
                    $"Delay(1 ms) #{i + 1} (its slot's generation started at 0x7FFFFFFF, now about 0x{0x7FFFFFFFu + (uint)i:X8}) did not " +
                    $"complete within {Bound.TotalSeconds} s: with a generation >= 0x80000000 its user_data has bit 63 set, and " +
                    "Dispatch takes the CQE for an internal one and drops it.");
                await delay;
            }
            Assert.Equal(0, reactor.InFlight);
        });
    }

    // ---- 2. a refused operation must not end the lending of a buffer the kernel still has ----

    [Fact]
    public void Bug2_RefusedOperation_KeepsABufferThatIsStillLentToAPendingOperationLent()
    {
        const int Max = 4;
        using var fds = new Fds();
        var (rd, wr) = fds.Pipe();
        Watchdog.Run(nameof(Bug2_RefusedOperation_KeepsABufferThatIsStillLentToAPendingOperationLent), async () =>
        {
            UringReactor reactor = UringReactor.Current;
            using UringFile pipe = UringFile.FromFd(fds.Forget(rd), "pipe");
            IoBuffer a = IoBuffer.Allocate(16);
            Task<IoResult<IoBuffer>> first = pipe.ReadAtAsync(a, -1).AsTask(); // pending: nobody writes yet
            var polls = new List<Task<int>>();
            for (int i = 1; i < Max; i++)
                polls.Add(reactor.Execute<PollReadableOperation, int>(new PollReadableOperation(pipe.Fd)).AsTask());
            Assert.Equal(Max, reactor.InFlight);

            Exception? synchronous = null, refusal = null;
            bool lentAfterRefusal;
            object? carried = null;
#pragma warning disable UR0004, UR0001 // the scenario itself: lend A again while a pending read has it, and look at A's state
            try
            {
                ValueTask<IoResult<IoBuffer>> refused = pipe.ReadAtAsync(a, -1); // MaxInFlight reached: refused
                lentAfterRefusal = a.IsLent;
                try
                {
                    await refused;
                }
                catch (Exception e)
                {
                    refusal = e;
                    carried = ReturnedBuffer.From<IoBuffer>(e);
                }
            }
            catch (Exception e)
            {
                synchronous = e;
                lentAfterRefusal = a.IsLent;
            }
            bool lentAfterAwait = a.IsLent;
#pragma warning restore UR0004, UR0001

            // Clean up: the pending read and polls complete once the pipe has data.
            Fds.WriteAll(wr, new byte[32]); // the read takes 16, the rest keeps the polls readable
            Assert.True(await Watchdog.FinishesWithin(first, Bound), "the pending read did not complete after the pipe was written");
            int n;
            (n, a) = await first;
            foreach (Task<int> p in polls)
                Assert.True(await Watchdog.FinishesWithin(p, Bound), "a poll did not complete after the pipe was written");
            Assert.Equal(16, n);
            Assert.False(a.IsLent);
            a.Dispose();

            Assert.True(synchronous is null, $"the refused ReadAtAsync threw synchronously instead of failing its task: {synchronous}");
            Assert.True(lentAfterRefusal && lentAfterAwait,
                $"buffer A.IsLent became false after an operation that was refused (EAGAIN, MaxInFlight = {Max}) — right after the call: " +
                $"{lentAfterRefusal}, after awaiting the refusal: {lentAfterAwait} — while an earlier pending read still lends A to the " +
                "kernel: Refuse() called the refused operation's Release, which ended A's lending though that operation never lent it.");
            Assert.True(refusal is not null, "the operation past MaxInFlight was not refused");
            Assert.True(ReferenceEquals(carried, a), $"the refusal does not carry buffer A (ReturnedBuffer.From gave {carried ?? "null"}): {refusal}");
        }, new ReactorOptions { MaxInFlight = Max });
    }

    // ---- 3. closing with a queued SQE must not let it hit a new file that reuses the fd number ----

    [Theory]
    [InlineData("file")]
    [InlineData("tcp")]
    [InlineData("udp")]
    public void Bug3_DisposeWithAQueuedWrite_DoesNotWriteToTheNextFileWithTheSameFdNumber(string kind)
    {
        string dir = Directory.CreateTempSubdirectory("uringsafe-bug3-").FullName;
        try
        {
            Watchdog.Run(nameof(Bug3_DisposeWithAQueuedWrite_DoesNotWriteToTheNextFileWithTheSameFdNumber) + "/" + kind, kind switch
            {
                "file" => () => QueuedFileWrite(dir),
                "tcp" => QueuedStreamSend,
                _ => QueuedDatagram,
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task QueuedFileWrite(string dir)
    {
        string first = Path.Combine(dir, "first"), second = Path.Combine(dir, "second");
        File.WriteAllBytes(second, []);
        UringFile file = await UringFile.CreateAsync(first);
        int number = file.Fd;
        IoBuffer buf = IoBuffer.CopyFrom("meant for the first file"u8);
        string original = FdProbe.Target(number) ?? "?";
        ValueTask<IoResult<IoBuffer>> write = file.WriteAtAsync(buf, 0); // only queued: submitted on the next loop turn
        file.Dispose();                                                  // must not close(2) while the SQE names the fd
        // Fixed: the number stays the first file's until the write's final completion; nothing else can get it.
        int other = StillNames(number, original) ? -1 : FdProbe.OpenOn(second, number); // else another file under the same number
        try
        {
            (_, buf) = await write;
        }
        catch (Exception e)
        {
            buf = ReturnedBuffer.From<IoBuffer>(e) ?? throw new Xunit.Sdk.XunitException($"the failed write handed no buffer back: {e}");
        }
        if (other >= 0)
            FdProbe.Close(other);
        Assert.False(StillNames(number, original), $"fd {number} still names '{original}' after the last operation on it completed: Dispose never closed it");
        Assert.False(buf.IsLent);
        buf.Dispose();
        byte[] content = await File.ReadAllBytesAsync(second);
        Assert.True(content.Length == 0,
            $"a WriteAtAsync queued before UringFile.Dispose() wrote {content.Length} bytes (\"{Encoding.ASCII.GetString(content)}\") into " +
            $"'{second}', a different file opened afterwards under the same fd number {number}: Dispose closed the fd while its SQE still named it.");
    }

    private static async Task QueuedStreamSend()
    {
        using var listener = UringTcpListener.Bind(AnyLoopback, new UringListenerOptions { Multishot = false });
        Task<UringTcpStream> accepting = listener.AcceptAsync().AsTask();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint);
        UringTcpStream server = await accepting;
        int number = server.Fd;
        IoBuffer buf = IoBuffer.CopyFrom("meant for the tcp peer"u8);
        string original = FdProbe.Target(number) ?? "?";
        ValueTask<IoResult<IoBuffer>> send = server.WriteAsync(buf); // only queued
        server.Dispose();                                            // must not close(2) while the SQE names the fd
        var (mine, peer) = StillNames(number, original) ? (-1, -1) : FdProbe.SocketPairOn(number); // else a new socket under the same number
        try
        {
            (_, buf) = await send;
        }
        catch (Exception e)
        {
            buf = ReturnedBuffer.From<IoBuffer>(e) ?? throw new Xunit.Sdk.XunitException($"the failed send handed no buffer back: {e}");
        }
        byte[] leaked = peer >= 0 ? FdProbe.DrainNow(peer) : [];
        if (peer >= 0)
        {
            FdProbe.Close(mine);
            FdProbe.Close(peer);
        }
        Assert.False(StillNames(number, original), $"fd {number} still names {original} after the last operation on it completed: Dispose never closed it");
        Assert.False(buf.IsLent);
        buf.Dispose();
        Assert.True(leaked.Length == 0,
            $"a WriteAsync queued before UringTcpStream.Dispose() sent {leaked.Length} bytes (\"{Encoding.ASCII.GetString(leaked)}\") over an " +
            $"unrelated socket pair created afterwards under the same fd number {number}.");
    }

    private static async Task QueuedDatagram()
    {
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(AnyLoopback);
        var destination = (IPEndPoint)receiver.LocalEndPoint!;
        UringUdpSocket udp = UringUdpSocket.Bind(AnyLoopback);
        int number = udp.Fd;
        IoBuffer buf = IoBuffer.CopyFrom("meant to come from the uring socket"u8);
        string original = FdProbe.Target(number) ?? "?";
        ValueTask<ReceiveFromResult<IoBuffer>> send = udp.SendToAsync(buf, destination); // only queued
        udp.Dispose();                                                                   // must not close(2) while the SQE names the fd
        int fd = StillNames(number, original) ? -1 : FdProbe.SocketOn(number, (int)AddressFamily.InterNetwork, (int)SocketType.Dgram);
        using Socket? impostor = fd >= 0 ? new Socket(new SafeSocketHandle(fd, ownsHandle: true)) : null;
        impostor?.Bind(AnyLoopback);
        int impostorPort = impostor is null ? -1 : ((IPEndPoint)impostor.LocalEndPoint!).Port;
        try
        {
            (_, buf) = await send;
        }
        catch (Exception e)
        {
            buf = ReturnedBuffer.From<IoBuffer>(e) ?? throw new Xunit.Sdk.XunitException($"the failed send handed no buffer back: {e}");
        }
        Assert.False(StillNames(number, original), $"fd {number} still names {original} after the last operation on it completed: Dispose never closed it");
        Assert.False(buf.IsLent);
        buf.Dispose();
        var senders = new List<int>();
        byte[] datagram = new byte[256];
        while (receiver.Poll(100_000, SelectMode.SelectRead))
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            receiver.ReceiveFrom(datagram, ref from);
            senders.Add(((IPEndPoint)from).Port);
        }
        Assert.True(!senders.Contains(impostorPort),
            $"a SendToAsync queued before UringUdpSocket.Dispose() went out from port {impostorPort}, an unrelated UDP socket created " +
            $"afterwards under the same fd number {number} (datagrams seen from ports: {string.Join(", ", senders)}).");
    }

    /// <summary>True while <paramref name="number"/> is open on the same object as when <paramref name="target"/> was read.</summary>
    private static bool StillNames(int number, string target) => FdProbe.IsOpen(number) && FdProbe.Target(number) == target;

    // ---- 4. closing must cancel pending operations ----

    [Theory]
    [InlineData("CloseAsync")]
    [InlineData("Dispose")]
    [InlineData("listener")]
    public void Bug4_CloseCancelsPendingOperations(string how)
    {
        Watchdog.Run(nameof(Bug4_CloseCancelsPendingOperations) + "/" + how, how == "listener" ? PendingAcceptThenDispose : () => PendingReadThenClose(how));
    }

    private static async Task PendingReadThenClose(string how)
    {
        var problems = new List<string>();
        using var listener = UringTcpListener.Bind(AnyLoopback, new UringListenerOptions { Multishot = false });
        Task<UringTcpStream> accepting = listener.AcceptAsync().AsTask();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint);
        UringTcpStream server = await accepting;
        int number = server.Fd;
        string? target = FdProbe.Target(number);

        IoBuffer buf = IoBuffer.Allocate(64);
        Task<IoResult<IoBuffer>> read = server.ReadAsync(buf).AsTask(); // the peer sends nothing
        await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(20));  // the recv is submitted and parked
        if (how == "CloseAsync")
        {
            Task closing = server.CloseAsync().AsTask();
            if (!await Watchdog.FinishesWithin(closing, Bound))
                problems.Add($"CloseAsync itself did not complete within {Bound.TotalSeconds} s");
        }
        else
        {
            server.Dispose();
        }

        // The peer: a blocking recv that returns 0 on FIN (or times out).
        Task<int> peer = Task.Run(() =>
        {
            client.ReceiveTimeout = (int)Bound.TotalMilliseconds;
            try
            {
                return client.Receive(new byte[16]);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                return -1;
            }
        });

        if (await Watchdog.FinishesWithin(read, Bound))
        {
            try
            {
                (_, buf) = await read;
            }
            catch (Exception e)
            {
                buf = ReturnedBuffer.From<IoBuffer>(e) ?? throw new Xunit.Sdk.XunitException($"the read failed without handing its buffer back: {e}");
            }
            if (buf.IsLent)
                problems.Add("the read completed but its buffer is still lent");
            buf.Dispose();
        }
        else
        {
            problems.Add($"the pending ReadAsync did not complete within {Bound.TotalSeconds} s after {how}(): the recv SQE was never cancelled, " +
                "so the 64-byte IoBuffer is still lent to the kernel");
        }
        int got = await peer;
        if (got != 0)
            problems.Add(got < 0
                ? $"the peer saw no FIN within {Bound.TotalSeconds} s: the in-flight recv still holds the socket (fd {number} was {target}), so {how}() did not close the connection"
                : $"the peer received {got} bytes instead of FIN");
        Assert.True(problems.Count == 0, $"{how}() with a pending ReadAsync:\n" + string.Join("\n", problems));
    }

    private static async Task PendingAcceptThenDispose()
    {
        var problems = new List<string>();
        var listener = UringTcpListener.Bind(AnyLoopback, new UringListenerOptions { Multishot = false });
        IPEndPoint bound = listener.LocalEndPoint;
        Task<UringTcpStream> accept = listener.AcceptAsync().AsTask();
        await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(20)); // the accept is submitted and parked
        listener.Dispose();

        if (await Watchdog.FinishesWithin(accept, Bound))
        {
            try
            {
                (await accept).Dispose();
                problems.Add("the pending accept produced a connection after the listener was disposed");
            }
            catch (Exception)
            {
                // expected: cancelled / disposed
            }
        }
        else
        {
            problems.Add($"the pending single-shot AcceptAsync did not complete within {Bound.TotalSeconds} s after Dispose(): its accept SQE was never cancelled");
        }
        try
        {
            using var again = UringTcpListener.Bind(bound, new UringListenerOptions { Multishot = false });
        }
        catch (UringSocketException e)
        {
            problems.Add($"port {bound.Port} is still in use after Dispose() ({e.ErrnoName}): the pending accept keeps the listening socket open");
        }
        Assert.True(problems.Count == 0, "Dispose() of a single-shot listener with a pending AcceptAsync:\n" + string.Join("\n", problems));
    }

    // ---- 5. socket operations past MaxInFlight: asynchronous refusal with the buffer; close never leaks the fd ----

    [Theory]
    [InlineData("WriteAllAsync")]
    [InlineData("SendZcAsync")]
    [InlineData("CloseAsync")]
    public void Bug5_SocketOperationsPastMaxInFlight_FailAsynchronouslyWithTheBufferAndCloseStillCloses(string op)
    {
        const int Max = 4;
        using var fds = new Fds();
        var (rd, wr) = fds.Pipe();
        Watchdog.Run(nameof(Bug5_SocketOperationsPastMaxInFlight_FailAsynchronouslyWithTheBufferAndCloseStillCloses) + "/" + op, async () =>
        {
            UringReactor reactor = UringReactor.Current;
            UringTcpStream server;
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using (var listener = UringTcpListener.Bind(AnyLoopback, new UringListenerOptions { Multishot = false }))
            {
                Task<UringTcpStream> accepting = listener.AcceptAsync().AsTask();
                client.Connect(listener.LocalEndPoint);
                server = await accepting;
            }
            int number = server.Fd;
            string target = FdProbe.Target(number)!;

            var polls = new List<Task<int>>();
            for (int i = 0; i < Max; i++)
                polls.Add(reactor.Execute<PollReadableOperation, int>(new PollReadableOperation(rd)).AsTask());
            Assert.Equal(Max, reactor.InFlight);

            string? failure = op == "CloseAsync" ? await CloseWhileFull(server, number, target, polls, wr) : await SendWhileFull(server, op);

            Fds.WriteAll(wr, "x"u8); // let the polls finish (a no-op when CloseWhileFull did it already)
            foreach (Task<int> p in polls)
                Assert.True(await Watchdog.FinishesWithin(p, Bound), "a poll did not complete after the pipe was written");
            server.Dispose();
            Assert.True(failure is null, failure);
        }, new ReactorOptions { MaxInFlight = Max });
    }

    private static async Task<string?> SendWhileFull(UringTcpStream server, string op)
    {
        IoBuffer buf = IoBuffer.CopyFrom("past MaxInFlight"u8);
        ValueTask<IoResult<IoBuffer>> pending;
        try
        {
            pending = op == "SendZcAsync" ? server.SendZcAsync(buf) : server.WriteAllAsync(buf);
        }
        catch (Exception e)
        {
            buf = ReturnedBuffer.From<IoBuffer>(e)!;
            return $"{op} with MaxInFlight saturated threw synchronously ({e.GetType().Name}: {e.Message}) instead of failing its task, " +
                $"and the exception carries {(buf is null ? "no buffer: the caller's IoBuffer is lost" : "the buffer")}";
        }
        try
        {
            (_, buf) = await pending;
            buf.Dispose();
            return $"{op} past MaxInFlight was accepted";
        }
        catch (Exception e)
        {
            IoBuffer? back = ReturnedBuffer.From<IoBuffer>(e);
            if (back is null)
                return $"{op} past MaxInFlight failed without handing its buffer back: {e}";
            buf = back;
            bool lent = buf.IsLent;
            buf.Dispose();
            return lent ? $"{op}'s refusal handed back a buffer that is still lent" : null;
        }
    }

    private static async Task<string?> CloseWhileFull(UringTcpStream server, int number, string target, List<Task<int>> polls, int wr)
    {
        var problems = new List<string>();
        Task closing;
        try
        {
            closing = server.CloseAsync().AsTask();
        }
        catch (Exception e)
        {
            problems.Add($"CloseAsync threw synchronously: {e.GetType().Name}: {e.Message}");
            closing = Task.CompletedTask;
        }
        Fds.WriteAll(wr, "x"u8); // free the slots: a close that waits for one may go on now
        foreach (Task<int> p in polls)
            await Watchdog.FinishesWithin(p, Bound);
        if (!await Watchdog.FinishesWithin(closing, Bound))
            problems.Add($"CloseAsync did not complete within {Bound.TotalSeconds} s");
        else if (closing.IsFaulted)
            problems.Add($"CloseAsync with MaxInFlight saturated threw {closing.Exception!.InnerException!.GetType().Name}: {closing.Exception.InnerException.Message}");
        var sw = Stopwatch.StartNew();
        List<int> still;
        while ((still = FdProbe.FdsPointingTo(target)).Count > 0 && sw.Elapsed < Bound)
            await Task.Delay(20);
        if (still.Count > 0)
            problems.Add($"fd {number} ({target}) was leaked: still open {Bound.TotalSeconds} s after CloseAsync (server.Fd is now {server.Fd}, so nothing will ever close it)");
        return problems.Count == 0 ? null : string.Join("\n", problems);
    }

    // ---- 6. SynchronizationContext.Send from another thread ----

    [Fact]
    public void Bug6_SynchronizationContextSend_FromAThreadPoolThread_RunsTheDelegateOnTheReactor()
    {
        Watchdog.Run(nameof(Bug6_SynchronizationContextSend_FromAThreadPoolThread_RunsTheDelegateOnTheReactor), async () =>
        {
            UringReactor reactor = UringReactor.Current;
            int reactorThread = Environment.CurrentManagedThreadId;
            SynchronizationContext context = reactor.SynchronizationContext;
            int ranOn = -1;
            Exception? thrown = null;
            Task sending = Task.Run(() =>
            {
                try
                {
                    context.Send(_ => ranOn = Environment.CurrentManagedThreadId, null);
                }
                catch (Exception e)
                {
                    thrown = e;
                }
            });
            Assert.True(await Watchdog.FinishesWithin(sending, Bound), $"Send from a thread-pool thread did not return within {Bound.TotalSeconds} s");
            Assert.True(thrown is null, $"reactor.SynchronizationContext.Send from a thread-pool thread threw: {thrown}");
            Assert.True(ranOn == reactorThread, $"the delegate ran on thread {ranOn}, not on the reactor thread {reactorThread}");
        });
    }

    // ---- 7. disposing the reactor inside a continuation ----

    /// <summary>Today this crashes the test host (AccessViolation in Ring.SetCqHead after the ring was unmapped): run it alone,
    /// or leave it out with <c>--filter "Hazard!=CrashesHost"</c>.</summary>
    [Fact]
    [Trait("Hazard", "CrashesHost")]
    public void Bug7_DisposingTheReactorInsideAContinuation_NeitherCrashesNorThrows()
    {
        Watchdog.RunThread(nameof(Bug7_DisposingTheReactorInsideAContinuation_NeitherCrashesNorThrows), () =>
        {
            var reactor = new UringReactor();
            try
            {
                Task work = reactor.Spawn(async () =>
                {
                    await reactor.Delay(TimeSpan.FromMilliseconds(1));
                    UringReactor.Current.Dispose(); // runs inside the reactor's completion dispatch
                });
                try
                {
                    reactor.RunUntil(work);
                }
                catch (ObjectDisposedException)
                {
                    // acceptable: a clear ObjectDisposedException from the loop
                }
                Assert.True(work.IsCompleted, "the work that disposed the reactor did not complete");
                Assert.True(!work.IsFaulted || work.Exception!.InnerException is ObjectDisposedException,
                    $"the work that disposed the reactor failed: {work.Exception}");
            }
            finally
            {
                reactor.Dispose(); // idempotent
            }
        });
    }

    // ---- 8. cancelling a WriteAll that is being resubmitted ----

    [Fact]
    public void Bug8_CancellingAWriteAllDuringResubmissions_CompletesWithTheBuffer()
    {
        const int Rounds = 20;
        const int Size = 16 << 20;
        Watchdog.Run(nameof(Bug8_CancellingAWriteAllDuringResubmissions_CompletesWithTheBuffer), async () =>
        {
            using var listener = UringTcpListener.Bind(AnyLoopback, new UringListenerOptions { Multishot = false });
            IoBuffer payload = IoBuffer.Allocate(Size);
            payload.Length = Size;
            int cancelled = 0, completed = 0;
            for (int round = 0; round < Rounds; round++)
            {
                Task<UringTcpStream> accepting = listener.AcceptAsync().AsTask();
                using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
                client.Connect(listener.LocalEndPoint);
                UringTcpStream server = await accepting;
                FdProbe.SetInt(server.Fd, FdProbe.SolSocket, FdProbe.SoSndBuf, 8 * 1024); // many short sends: many resubmissions

                using var cts = new CancellationTokenSource();
                int readMs = 2 + round * 3 % 37;
                long received = 0;
                Task peer = Task.Run(() =>
                {
                    // Read for a while, cancel the write from here while short sends are still completing, read a
                    // little longer, then stop reading (the connection stays open, so a send left armed blocks forever).
                    byte[] chunk = new byte[4096];
                    var sw = Stopwatch.StartNew();
                    while (sw.ElapsedMilliseconds < readMs)
                        received += ReadSome(client, chunk);
                    cts.Cancel();
                    sw.Restart();
                    while (sw.ElapsedMilliseconds < 2)
                        received += ReadSome(client, chunk);
                });
                Task<IoResult<IoBuffer>> writing = server.WriteAllAsync(payload, cts.Token).AsTask();
                Assert.True(await Watchdog.FinishesWithin(peer, Bound), "the peer thread did not finish");
                if (!await Watchdog.FinishesWithin(writing, Bound))
                {
                    // The buffer stays lent to the hung send; the reactor's disposal cancels it.
                    Assert.Fail($"round {round + 1}/{Rounds}: WriteAllAsync of {Size >> 20} MiB still pending {Bound.TotalSeconds} s after its token was " +
                        $"cancelled (the peer read {received} bytes in {readMs} ms, then stopped): the cancellation was lost across a resubmission " +
                        $"after a short send, and the {Size >> 20} MiB IoBuffer is still lent ({completed} earlier rounds completed, {cancelled} were cancelled).");
                }
                try
                {
                    (_, payload) = await writing;
                    completed++;
                }
                catch (Exception e)
                {
                    payload = ReturnedBuffer.From<IoBuffer>(e) ?? throw new Xunit.Sdk.XunitException($"round {round + 1}: the cancelled WriteAllAsync handed no buffer back: {e}");
                    Assert.True(e is OperationCanceledException, $"round {round + 1}: the cancelled WriteAllAsync failed with {e.GetType().Name} rather than a cancellation: {e.Message}");
                    cancelled++;
                }
                Assert.False(payload.IsLent);
                payload.Length = Size;
                await server.CloseAsync();
            }
            payload.Dispose();
        }, limit: TimeSpan.FromSeconds(60));
    }

    private static int ReadSome(Socket s, byte[] chunk)
        => s.Poll(1000, SelectMode.SelectRead) ? Math.Max(0, s.Receive(chunk)) : 0;

    // ---- 9. .Result on a pending ValueTask ----

    [Fact]
    public void Bug9_ResultOnAPendingValueTask_ThrowsAndLeavesTheLiveOperationIntact()
    {
        Watchdog.Run(nameof(Bug9_ResultOnAPendingValueTask_ThrowsAndLeavesTheLiveOperationIntact), async () =>
        {
            UringReactor reactor = UringReactor.Current;
            var problems = new List<string>();
            ValueTask<int> misused = reactor.Delay(TimeSpan.FromMilliseconds(50));
            Exception? misuse = null;
            try
            {
#pragma warning disable UR0008 // the misuse under test: .Result on a pending UringSafe operation must throw, not hang
                _ = misused.Result;
#pragma warning restore UR0008
            }
            catch (Exception e)
            {
                misuse = e;
            }
            if (misuse is not InvalidOperationException)
                problems.Add($".Result on a pending ValueTask should throw InvalidOperationException; it {(misuse is null ? "returned" : "threw " + misuse.GetType().Name)}");

            // The next operation of the same type: today it rents the source that .Result recycled while still live.
            var sw = Stopwatch.StartNew();
            Task next = reactor.Delay(TimeSpan.FromMilliseconds(200)).AsTask();
            if (!await Watchdog.FinishesWithin(next, Bound))
                problems.Add("the following Delay(200 ms) never completed");
            else if (sw.ElapsedMilliseconds < 150)
                problems.Add($"the following Delay(200 ms) completed after {sw.ElapsedMilliseconds} ms: a stale CQE (the misused Delay(50 ms)'s) completed it");

            while (reactor.InFlight > 0 && sw.Elapsed < TimeSpan.FromSeconds(2))
                await Task.Delay(20);
            if (reactor.InFlight != 0)
                problems.Add($"reactor.InFlight is stuck at {reactor.InFlight}: the misused Delay(50 ms) never released its slot (its CQE was dropped " +
                    "because .Result recycled its source, and the next operation overwrote the source's user_data)");

            try
            {
                await misused;
            }
            catch (Exception e)
            {
                problems.Add($"awaiting the misused ValueTask afterwards threw {e.GetType().Name}: {e.Message} (its source had been recycled)");
            }
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        });
    }
}
