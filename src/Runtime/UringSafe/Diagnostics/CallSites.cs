using System.Diagnostics;

namespace UringSafe.Async;

/// <summary>Finds the user code that started an operation (opt-in: a stack walk per operation).</summary>
internal static class CallSites
{
    private static readonly System.Reflection.Assembly s_runtime = typeof(CallSites).Assembly;

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Opt-in debugging aid: without metadata the call site is simply less precise.")]
    public static string? Capture()
    {
        var trace = new StackTrace(2, fNeedFileInfo: true);
        foreach (StackFrame frame in trace.GetFrames())
        {
            System.Reflection.MethodBase? method = frame.GetMethod();
            Type? type = method?.DeclaringType;
            if (method is null || type is null || type.Assembly == s_runtime || type.Assembly == typeof(object).Assembly)
                continue;
            string? file = frame.GetFileName();
            if (file is not null && file.EndsWith(".g.cs", StringComparison.Ordinal))
                continue; // the generated operation method; its caller is the call site
            string name = type.FullName ?? type.Name;
            // Async state machines: Outer+<Method>d__3 → Outer.Method
            int lt = name.IndexOf("+<", StringComparison.Ordinal);
            string member = lt >= 0 ? name[..lt] + "." + name[(lt + 2)..name.IndexOf('>', lt)] : name + "." + method.Name;
            return file is null ? member : $"{member} ({Path.GetFileName(file)}:{frame.GetFileLineNumber()})";
        }
        return null;
    }
}
