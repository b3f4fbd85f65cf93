using Microsoft.CodeAnalysis.Testing;

namespace UringSafe.Analyzers.Tests;

/// <summary>What the UR0001 message tells the user to do, depending on the path and the variable.</summary>
public class MessageTests
{
    private const string NormalAdvice = "assign it from the operation's result before using it";
    private const string ExceptionAdvice = "take it back in a catch with 'buf = ReturnedBuffer.From<T>(exception)' before using it";

    private const string UsingAdvice = "a 'using' variable cannot take the buffer back (CS1656): declare it without 'using', take the buffer back with '(n, buf) = await ...', and dispose it once it is back";

    [Fact]
    public Task NormalPathSaysAssignFromResult() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var task = f.ReadAtAsync(buf, 0);
                Sink.Use({|#0:buf|});
                (_, buf) = await task;
            }
        }
        """,
        Verify.Diagnostic(DiagnosticDescriptors.UR0001_BufferUsedWhileLent, 0, "buf", "", NormalAdvice));

    [Fact]
    public Task CatchSaysExceptionPathAndNamesReturnedBuffer() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                try
                {
                    (_, buf) = await f.ReadAtAsync(buf, 0);
                }
                catch (Exception)
                {
                    Pool.Return({|#0:buf|});
                    throw;
                }

                Pool.Return(buf);
            }
        }
        """,
        Verify.Diagnostic(DiagnosticDescriptors.UR0001_BufferUsedWhileLent, 0, "buf", " on the exception path", ExceptionAdvice));

    [Fact]
    public Task FinallySaysExceptionPathWhenTakenBackNormally() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                try
                {
                    (_, buf) = await f.ReadAtAsync(buf, 0);
                }
                finally
                {
                    Pool.Return({|#0:buf|});
                }
            }
        }
        """,
        Verify.Diagnostic(DiagnosticDescriptors.UR0001_BufferUsedWhileLent, 0, "buf", " on the exception path", ExceptionAdvice));

    [Fact]
    public Task FinallySaysNormalPathWhenNeverTakenBack() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                try
                {
                    {|#1:await f.ReadAtAsync(buf, 0)|};
                }
                finally
                {
                    Pool.Return({|#0:buf|});
                }
            }
        }
        """,
        Verify.Diagnostic(DiagnosticDescriptors.UR0002_BufferNotTakenBack, 1, "ReadAtAsync"),
        // The second location is the await the take-back fix rewrites.
        Verify.Diagnostic(DiagnosticDescriptors.UR0001_BufferUsedWhileLent, 0, "buf", "", NormalAdvice).WithLocation(1));

    [Fact]
    public Task ReturnedBufferFromInCatchIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                try
                {
                    (_, buf) = await f.ReadAtAsync(buf, 0);
                }
                catch (Exception e)
                {
                    buf = ReturnedBuffer.From<byte[]>(e)!;
                }

                Pool.Return(buf);
            }
        }

        static class ReturnedBuffer
        {
            public static T? From<T>(Exception e) where T : class => null;
        }
        """);

    [Fact]
    public Task UsingVariableGetsGuidance() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(Device d)
            {
                using IoBuffer {|#0:buf = new IoBuffer()|};
                int n;
                (n, {|#1:buf|}) = await d.ReadAsync(buf);
            }
        }

        sealed class IoBuffer : IDisposable
        {
            public void Dispose() { }
        }

        sealed class Device
        {
            public ValueTask<IoResult<IoBuffer>> ReadAsync([UringSafe.Lends] IoBuffer buffer) => new(new IoResult<IoBuffer>(0, buffer));
        }
        """,
        DiagnosticResult.CompilerError("CS1656").WithLocation(1).WithArguments("buf", "using variable"),
        Verify.Diagnostic(DiagnosticDescriptors.UR0001_BufferUsedWhileLent, 0, "buf", "", UsingAdvice),
        Verify.Diagnostic(DiagnosticDescriptors.UR0001_BufferUsedWhileLent, 1, "buf", "", UsingAdvice));
}
