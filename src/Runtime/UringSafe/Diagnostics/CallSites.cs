using System.Diagnostics;

namespace UringSafe.Diagnostics;

/// <summary>Finds the user code that started an operation (opt-in: a stack walk per operation).</summary>
internal static class CallSites
{
    private static readonly System.Reflection.Assembly s_runtime = typeof(CallSites).Assembly;
    private static readonly System.Text.RegularExpressions.Regex s_userName = new(@"<([A-Za-z_][A-Za-z0-9_]*)>");

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
            // Compiler-made types (async state machines, lambdas' closures): Outer+<Method>d__3 or
            // Outer+<>c__DisplayClass0_0+<<Method>b__0>d → Outer.Method
            int plus = name.IndexOf('+');
            string outer = plus >= 0 ? name[..plus] : name;
            System.Text.RegularExpressions.Match m = s_userName.Match(plus >= 0 ? name[plus..] + "." + method.Name : method.Name);
            string member = outer + "." + (plus >= 0 && m.Success ? m.Groups[1].Value : method.Name);
            return file is null ? member : $"{member} ({Path.GetFileName(file)}:{frame.GetFileLineNumber()})";
        }
        return null;
    }
}
