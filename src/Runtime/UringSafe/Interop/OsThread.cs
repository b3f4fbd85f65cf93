using System.Runtime.InteropServices;

namespace UringSafe.Interop;

/// <summary>
/// The calling thread's kernel thread id (gettid): what <c>dotnet-stack report</c> prints as <c>Thread (0x…)</c>, and
/// /proc/PID/task lists. Managed thread ids mean nothing outside the process, so the stall report names this one.
/// </summary>
internal static partial class OsThread
{
    /// <summary>The calling thread's id; equal to the process id on the main thread.</summary>
    public static int CurrentId() => gettid();

    // Tmds.LibC has no gettid; glibc has it since 2.30.
    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int gettid();
}
