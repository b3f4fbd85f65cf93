using System.Runtime.ExceptionServices;
using UringSafe.Async;

namespace UringSafe.Tests.Net;

/// <summary>
/// Runs <see cref="UringRuntime.Run(Func{Task}, ReactorOptions?)"/> on a thread of its own. A reactor's ring fd is
/// registered in its thread's registered-ring table (at most 16 per thread) and that slot is only released when the
/// thread exits, so many reactors on xunit's few reused threads would run out (EBUSY).
/// </summary>
internal static class NetRuntime
{
    public static void Run(Func<Task> main)
    {
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                UringRuntime.Run(main);
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        }, 4 << 20)
        { IsBackground = true, Name = "net-test-reactor" };
        thread.Start();
        thread.Join();
        error?.Throw();
    }
}
