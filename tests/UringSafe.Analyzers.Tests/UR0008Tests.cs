using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace UringSafe.Analyzers.Tests;

public class UR0008Tests
{
    // Where: lambdas and method groups passed to the reactor entry points.

    [Fact]
    public Task WaitInRuntimeRunLambda() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(Task t)
            {
                UringRuntime.Run(async () =>
                {
                    {|UR0008:t.Wait()|};
                    await Task.Yield();
                });
            }
        }
        """);

    [Fact]
    public Task ResultInRuntimeRunOfT() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            int M(Task<int> t) => UringRuntime.Run(() => Task.FromResult({|UR0008:t.Result|}));
        }
        """);

    [Fact]
    public Task GetAwaiterGetResultInReactorSpawn() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(UringReactor reactor, ValueTask<int> t)
            {
                reactor.Spawn(async () =>
                {
                    int n = {|UR0008:t.GetAwaiter().GetResult()|};
                    await Task.Yield();
                });
            }
        }
        """);

    [Fact]
    public Task ConfiguredGetResultInExecutorSpawn() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(UringExecutor executor, Task<int> t)
            {
                executor.Spawn(0, () => Task.FromResult({|UR0008:t.ConfigureAwait(false).GetAwaiter().GetResult()|}));
            }
        }
        """);

    [Fact]
    public Task SleepInReactorPost() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(UringReactor reactor)
            {
                reactor.Post(_ => {|UR0008:Thread.Sleep(10)|}, null);
            }
        }
        """);

    [Fact]
    public Task WaitAllAndWaitAnyInSpawnOnEach() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(UringExecutor executor, Task a, Task b)
            {
                executor.SpawnOnEach(i =>
                {
                    {|UR0008:Task.WaitAll(a, b)|};
                    int first = {|UR0008:Task.WaitAny(a, b)|};
                    return Task.CompletedTask;
                });
            }
        }
        """);

    [Fact]
    public Task SynchronousStreamFileSocketAndDnsIo() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(Stream stream, Socket socket, byte[] buf)
            {
                UringRuntime.Run(async () =>
                {
                    int n = {|UR0008:stream.Read(buf, 0, buf.Length)|};
                    {|UR0008:stream.Write(buf, 0, n)|};
                    {|UR0008:stream.Flush()|};
                    string text = {|UR0008:File.ReadAllText("a")|};
                    {|UR0008:File.WriteAllBytes("b", buf)|};
                    {|UR0008:socket.Connect("localhost", 80)|};
                    {|UR0008:socket.Send(buf)|};
                    {|UR0008:socket.Receive(buf)|};
                    Socket accepted = {|UR0008:socket.Accept()|};
                    var entry = {|UR0008:System.Net.Dns.GetHostEntry("localhost")|};
                    await Task.Yield();
                });
            }
        }
        """);

    [Fact]
    public Task FileStreamReadNamesTheReceiverType() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(FileStream stream, byte[] buf)
            {
                UringRuntime.Run(() =>
                {
                    {|#0:stream.Read(buf, 0, 1)|};
                    return Task.CompletedTask;
                });
            }
        }
        """,
        new DiagnosticResult("UR0008", DiagnosticSeverity.Warning).WithLocation(0).WithArguments(
            "FileStream.Read", "await ReadAsync, or use UringSafe's own file and socket types, instead"));

    [Fact]
    public Task MethodGroupPassedToRun() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            static Task<int> t;

            void M() => UringRuntime.Run(MainAsync);

            static async Task MainAsync()
            {
                {|UR0008:t.Wait()|};
                await Task.Yield();
            }
        }
        """);

    [Fact]
    public Task MethodGroupPassedToPost() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(UringReactor reactor) => reactor.Post(Tick, null);

            static void Tick(object state) => {|UR0008:Thread.Sleep(1)|};
        }
        """);

    [Fact]
    public Task LocalFunctionPassedToSpawn() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(UringReactor reactor, Task<int> t)
            {
                reactor.Spawn(Work);

                Task Work()
                {
                    int n = {|UR0008:t.Result|};
                    return Task.CompletedTask;
                }
            }
        }
        """);

    [Fact]
    public Task TopLevelStatementsLambda() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            static void Main()
            {
                Task<string> pending = Task.Run(() => "x");
                UringRuntime.Run(async () =>
                {
                    Console.WriteLine({|UR0008:pending.Result|});
                    await Task.Yield();
                });
            }
        }
        """);

    // Where: the code after awaiting a UringSafe operation.

    [Fact]
    public Task AfterAwaitingAUringSafeOperation() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile file, byte[] buf, Task other)
            {
                other.Wait();
                int n = await file.ReadAsync(buf);
                {|UR0008:other.Wait()|};
            }
        }
        """);

    [Fact]
    public Task AfterAUringSafeOperationWithConfigureAwaitFalse() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile file, byte[] buf)
            {
                await file.ReadAsync(buf).ConfigureAwait(false);
                {|UR0008:Thread.Sleep(5)|};
            }
        }
        """);

    [Fact]
    public Task AfterAReactorDelay() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            async Task M(Task<int> t)
            {
                await UringReactor.Current.Delay(TimeSpan.FromSeconds(1));
                Console.WriteLine({|UR0008:t.Result|});
            }
        }
        """);

    [Fact]
    public Task InALoopAfterTheFirstOperation() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile file, byte[] buf, Stream log)
            {
                while (await file.ReadAsync(buf) > 0)
                {
                    {|UR0008:log.Write(buf, 0, 1)|};
                }
            }
        }
        """);

    [Fact]
    public Task InACatchAfterAnOperation() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile file, byte[] buf)
            {
                await file.ReadAsync(buf);
                try
                {
                    await file.ReadAsync(buf);
                }
                catch (IOException)
                {
                    {|UR0008:Thread.Sleep(100)|};
                }
            }
        }
        """);

    [Fact]
    public Task DefaultAwaitOfOtherTasksStaysOnTheReactor() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(Task<int> t)
            {
                UringRuntime.Run(async () =>
                {
                    await Task.Delay(1);
                    await Task.Yield();
                    await Task.Run(() => 1);
                    {|UR0008:Thread.Sleep(1)|};
                });
            }
        }
        """);

    // Off the reactor: no diagnostic.

    [Fact]
    public Task PlainMethodsAreNotReported() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            int M(Task<int> t, Stream s, byte[] buf)
            {
                t.Wait();
                Thread.Sleep(1);
                s.Read(buf, 0, 1);
                return t.Result + t.GetAwaiter().GetResult();
            }

            async Task N(Task<int> t)
            {
                await Task.Delay(1);
                Thread.Sleep(1);
            }
        }
        """);

    [Fact]
    public Task TaskRunInsideAReactorLambdaIsOffTheReactor() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(Task<int> t)
            {
                UringRuntime.Run(async () =>
                {
                    int n = await Task.Run(() =>
                    {
                        Thread.Sleep(10);
                        return t.Result;
                    });
                });
            }
        }
        """);

    [Fact]
    public Task ConfigureAwaitFalseOnOtherTaskLeavesTheReactor() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(Task<int> t)
            {
                UringRuntime.Run(async () =>
                {
                    await Task.Delay(1).ConfigureAwait(false);
                    Thread.Sleep(1);
                    t.Wait();
                });
            }
        }
        """);

    [Fact]
    public Task OnlyOnePathLeavesTheReactor() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(Task<int> t, bool b)
            {
                UringRuntime.Run(async () =>
                {
                    if (b)
                    {
                        await Task.Delay(1).ConfigureAwait(false);
                    }

                    Thread.Sleep(1);
                });
            }
        }
        """);

    [Fact]
    public Task NestedLambdasRunLaterOrElsewhere() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(Task<int> t)
            {
                UringRuntime.Run(async () =>
                {
                    var thread = new Thread(() => Thread.Sleep(100));
                    Func<int> later = () => t.Result;
                    await Task.Yield();
                });
            }
        }
        """);

    [Fact]
    public Task MethodNotPassedToTheReactorIsNotReported() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            static Task<int> t;

            void M() => Task.Run(Work);

            static Task Work()
            {
                t.Wait();
                return Task.CompletedTask;
            }
        }
        """);

    [Fact]
    public Task CompletedTasksAreNotReported() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(Task<int> t, Task<int> u, ValueTask<int> v, Task<int>[] all)
            {
                UringRuntime.Run(async () =>
                {
                    int a = Task.FromResult(1).Result;
                    var done = Task.FromResult(2);
                    int b = done.Result;
                    Task.CompletedTask.Wait();
                    int c = new ValueTask<int>(3).Result;
                    await t;
                    int d = t.Result;
                    await Task.WhenAll(all);
                    int e = all[0].Result;
                    await Task.WhenAll(u, t);
                    int f = u.GetAwaiter().GetResult();
                    if (v.IsCompleted)
                    {
                        int g = v.Result;
                    }

                    int h = v.IsCompletedSuccessfully ? v.Result : 0;
                    if (!v.IsCompleted)
                    {
                        return;
                    }

                    int i = v.Result;
                });
            }
        }
        """);

    [Fact]
    public Task ReassignedTaskIsNoLongerKnownComplete() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(Task<int> t, Func<Task<int>> next)
            {
                UringRuntime.Run(async () =>
                {
                    await t;
                    t = next();
                    int n = {|UR0008:t.Result|};
                });
            }
        }
        """);

    [Fact]
    public Task MemoryStreamsAreNotIo() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(byte[] buf)
            {
                UringRuntime.Run(async () =>
                {
                    var memory = new MemoryStream();
                    memory.Write(buf, 0, buf.Length);
                    memory.Flush();
                    memory.Dispose();
                    await Task.Yield();
                });
            }
        }
        """);

    [Fact]
    public Task ResultOfOtherTypesIsNotATaskWait() => ReactorVerify.AnalyzerAsync("""
        class R { public int Result; }

        class C
        {
            void M(R r)
            {
                UringRuntime.Run(async () =>
                {
                    int n = r.Result;
                    await Task.Yield();
                });
            }
        }
        """);

    [Fact]
    public Task AsyncFormsAreFine() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(Stream stream, Task<int> t, byte[] buf)
            {
                UringRuntime.Run(async () =>
                {
                    int n = await stream.ReadAsync(buf, 0, buf.Length);
                    await stream.FlushAsync();
                    await File.WriteAllBytesAsync("x", buf);
                    await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(1));
                    n += await t;
                    stream.Dispose();
                });
            }
        }
        """);

    [Fact]
    public Task AwaitingAUringSafeTaskWithConfigureAwaitFalseDoesNotProveTheReactor() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile file)
            {
                await file.CloseAsync().ConfigureAwait(false);
                Thread.Sleep(1);
            }
        }
        """);

    // A task tested complete on the branch that reads it.

    [Fact]
    public Task ResultOnTheCompletedBranchOfAConditionalIsFine() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(UringFile file, byte[] buf, Task<int> other)
            {
                UringRuntime.Run(async () =>
                {
                    var t = file.ReadAsync(buf);
                    int n = t.IsCompletedSuccessfully ? t.Result : await t;
                    var u = file.ReadAsync(buf);
                    int m = u.IsCompleted ? u.Result : await u;
                    int k = !other.IsCompleted ? await other : other.Result;
                    var w = file.ReadAsync(buf);
                    int j = w.IsCompletedSuccessfully ? w.GetAwaiter().GetResult() : await w.ConfigureAwait(false);
                });
            }

            async Task<int> After(UringFile file, byte[] buf)
            {
                await file.ReadAsync(buf);
                var t = file.ReadAsync(buf);
                return t.IsCompletedSuccessfully ? t.Result : await t;
            }
        }
        """);

    // .Result (or a synchronous wait) on a UringSafe operation: the operation completes only on the reactor this very
    // thread is, so it never completes. An error in the default mode.

    [Fact]
    public Task BlockingOnAUringSafeOperationIsAnError() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            void M(UringFile file, byte[] buf, Task<int> other)
            {
                UringRuntime.Run(async () =>
                {
                    int a = {|#0:file.ReadAsync(buf).Result|};
                    var t = file.ReadAsync(buf);
                    int b = {|#1:t.GetAwaiter().GetResult()|};
                    {|#2:file.ReadAsync(buf).AsTask().Wait()|};
                    int c = {|#3:other.Result|};
                    int d = {|#4:file.ReadAsync(buf).ConfigureAwait(false).GetAwaiter().GetResult()|};
                    await Task.Yield();
                });
            }

            int Anywhere(UringFile file, byte[] buf) => {|#5:file.ReadAsync(buf).Result|};

            int Stored(UringFile file, byte[] buf)
            {
                var pending = file.ReadAsync(buf);
                return {|#6:pending.Result|};
            }

            int NotKnown(ValueTask<int> pending) => pending.Result;
        }
        """,
        new DiagnosticResult("UR0008", DiagnosticSeverity.Error).WithLocation(0),
        new DiagnosticResult("UR0008", DiagnosticSeverity.Error).WithLocation(1),
        new DiagnosticResult("UR0008", DiagnosticSeverity.Error).WithLocation(2),
        new DiagnosticResult("UR0008", DiagnosticSeverity.Warning).WithLocation(3),
        new DiagnosticResult("UR0008", DiagnosticSeverity.Error).WithLocation(4),
        new DiagnosticResult("UR0008", DiagnosticSeverity.Error).WithLocation(5),
        new DiagnosticResult("UR0008", DiagnosticSeverity.Error).WithLocation(6));

    [Fact]
    public Task BlockingOnAUringSafeOperationSaysItNeverCompletes() => ReactorVerify.AnalyzerAsync("""
        class C
        {
            int M(UringFile file, byte[] buf) => {|#0:file.ReadAsync(buf).Result|};
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.UR0008_BlockingOnReactor).WithLocation(0).WithSeverity(DiagnosticSeverity.Error)
            .WithArguments("ValueTask<T>.Result",
                "'ReadAsync' is a UringSafe operation, which completes only when this reactor thread reaps it, so it cannot complete while this thread waits (a deadlock, or InvalidOperationException from a pending ValueTask); await it instead"));
}

