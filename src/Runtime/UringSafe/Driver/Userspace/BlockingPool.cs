namespace UringSafe.Driver.Userspace;

/// <summary>
/// The worker threads that run the userspace ring's requests that can block (file I/O, open, statx, fsync...), shared
/// by every driver of the process, as libuv's thread pool is. A worker posts each result back to the request's driver,
/// which wakes its reactor. Threads start on demand, up to <see cref="MaxThreads"/>, and stay.
/// </summary>
internal static class BlockingPool
{
    private static readonly object s_lock = new();
    private static readonly Queue<PendingOp> s_queue = new();
    private static int s_idle, s_threads;

    /// <summary>Most worker threads: enough for a few blocked calls (a FIFO open, a slow disk) beside file reads.</summary>
    public static readonly int MaxThreads = Math.Clamp(Environment.ProcessorCount * 2, 4, 16);

    public static void Enqueue(PendingOp op)
    {
        bool start = false;
        lock (s_lock)
        {
            op.State = OpState.Queued;
            s_queue.Enqueue(op);
            if (s_idle > 0)
                Monitor.Pulse(s_lock);
            else if (s_threads < MaxThreads)
            {
                s_threads++;
                start = true;
            }
        }
        if (start)
            new Thread(WorkerMain) { IsBackground = true, Name = "uringsafe-worker" }.Start();
    }

    /// <summary>Takes a request out of the queue before a worker starts it; false once a worker runs it.</summary>
    public static bool TryCancel(PendingOp op)
    {
        lock (s_lock)
        {
            if (op.State != OpState.Queued)
                return false;
            op.State = OpState.Dequeued; // the worker that dequeues it skips it
            return true;
        }
    }

    /// <summary>True while a worker runs <paramref name="op"/>.</summary>
    public static bool IsRunning(PendingOp op)
    {
        lock (s_lock)
            return op.State == OpState.Running;
    }

    private static void WorkerMain()
    {
        while (true)
        {
            PendingOp op;
            lock (s_lock)
            {
                while (s_queue.Count == 0)
                {
                    s_idle++;
                    Monitor.Wait(s_lock);
                    s_idle--;
                }
                op = s_queue.Dequeue();
                if (op.State != OpState.Queued)
                    continue;
                op.State = OpState.Running;
            }
            int result;
            try
            {
                result = BlockingCalls.Run(op);
            }
            catch (Exception)
            {
                result = -UringSafe.Errno.EFAULT; // never lose a completion: the request fails instead
            }
            op.Result = result;
            op.Owner!.OnWorkerFinished(op);
        }
    }
}
