using System.Diagnostics;
using UringSafe.Abi;
using UringSafe.Diagnostics;
using UringSafe.Interop;

namespace UringSafe.Async;

public sealed partial class UringReactor
{
    // The constructor runs on the reactor's thread (a reactor is bound to the thread that creates it).
    private readonly int _osThreadId = OsThread.CurrentId();
    private readonly string? _threadName = Thread.CurrentThread.Name;   // uring-reactor-N under a UringExecutor

    /// <summary>
    /// The operations in flight on this reactor. Callable from any thread (it reads what the reactor publishes, without
    /// stopping it), so an entry may have completed a moment later.
    /// </summary>
    public IReadOnlyList<InFlightOperation> Snapshot()
    {
        var list = new List<InFlightOperation>();
        long now = Stopwatch.GetTimestamp();
        foreach (OperationSlot slot in _slots.Live())
        {
            if (Describe(slot, now) is { } op)
                list.Add(op);
        }
        return list;
    }

    private InFlightOperation? Describe(OperationSlot slot, long now)
    {
        ulong userData = slot.UserData;
        if (!slot.IsLive)
            return null;
        SharedFd? fd = slot.Fd;
        long age = Math.Max(0, now - slot.SubmittedAt);
        return new InFlightOperation(
            Id,
            userData,
            slot.Opcode.ToString(),
            fd?.Number ?? -1,
            fd?.Description,
            slot.DescribeBuffer(),
            TimeSpan.FromSeconds(age / (double)Stopwatch.Frequency),
            slot.CancelRequested,
            slot is IMultishot,
            slot.CallSite);
    }

    /// <summary>The reactor's thread as the stall report names it: its OS id, and which thread that is.</summary>
    private string DescribeThread()
        => _osThreadId == Environment.ProcessId
            ? $"OS thread id {_osThreadId}: the process's main thread (under UringRuntime.Run the reactor is the thread that called Run, here Main)"
            : $"OS thread id {_osThreadId}: {(_threadName is null ? "an unnamed thread" : $"thread '{_threadName}'")}";

    /// <summary>Requests that wait for the outside world by design; a long wait is not a stall.</summary>
    private static bool WaitsByDesign(OperationSlot slot)
        => slot is IMultishot
            || slot.Opcode is IoUringOpcode.Recv or IoUringOpcode.RecvMsg or IoUringOpcode.Accept or IoUringOpcode.PollAdd
                or IoUringOpcode.Timeout or IoUringOpcode.Connect or IoUringOpcode.FutexWait or IoUringOpcode.Waitid;

    /// <summary>Called by the stall monitor's thread: reports stuck operations and a blocked loop, once each.</summary>
    internal void CheckStalls(long now)
    {
        if (_disposed)
            return;
        if (_blockedTicks > 0 && _inLoop && !_waiting)
        {
            long turn = Volatile.Read(ref _turnStart);
            if (now - turn > _blockedTicks && _blockedReportedTurn != turn)
            {
                _blockedReportedTurn = turn;
                TimeSpan blocked = TimeSpan.FromSeconds((now - turn) / (double)Stopwatch.Frequency);
                UringDiagnostics.Report(this, new StallReport(Id, null, blocked,
                    $"reactor {Id} has not returned to its loop for {blocked.TotalMilliseconds:0} ms: its thread is blocked " +
                    "(a .Wait() or .Result, a lock, Thread.Sleep, synchronous I/O, or long CPU-bound work in a continuation), and every " +
                    $"operation of this reactor waits meanwhile ({InFlight} in flight). The thread's stack can't be read from inside " +
                    $"the process: run `dotnet-stack report -p {Environment.ProcessId}` and read Thread (0x{_osThreadId:X}), {DescribeThread()}."));
            }
        }
        if (_stallTicks <= 0)
            return;
        foreach (OperationSlot slot in _slots.Live())
        {
            if (!slot.IsLive || slot.StallReported || WaitsByDesign(slot) || now - slot.SubmittedAt <= _stallTicks)
                continue;
            slot.StallReported = true;
            if (Describe(slot, now) is not { } op)
                continue;
            UringDiagnostics.Report(this, new StallReport(Id, op, op.Age,
                $"operation in flight for {op.Age.TotalMilliseconds:0} ms (StallThreshold {TimeSpan.FromSeconds(_stallTicks / (double)Stopwatch.Frequency).TotalMilliseconds:0} ms): {op}. " +
                "The kernel has not completed it: a slow or hung device, a network filesystem, or a request that waits by design " +
                "(then raise ReactorOptions.StallThreshold)."));
        }
    }
}
