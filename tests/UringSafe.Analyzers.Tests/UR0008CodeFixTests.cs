using UringSafe.Analyzers.CodeFixes;

namespace UringSafe.Analyzers.Tests;

public class UR0008CodeFixTests
{
    private static readonly AwaitInsteadOfBlockingCodeFixProvider Fix = new();

    [Fact]
    public Task ResultBecomesAwait() => ReactorVerify.CodeFixAsync("""
        class C
        {
            void M(Task<int> t)
            {
                UringRuntime.Run(async () =>
                {
                    int n = {|UR0008:t.Result|} + 1;
                    await Task.Yield();
                });
            }
        }
        """, """
        class C
        {
            void M(Task<int> t)
            {
                UringRuntime.Run(async () =>
                {
                    int n = await t + 1;
                    await Task.Yield();
                });
            }
        }
        """, Fix);

    [Fact]
    public Task ResultOfAMemberKeepsParentheses() => ReactorVerify.CodeFixAsync("""
        class C
        {
            void M(Task<string> t)
            {
                UringRuntime.Run(async () =>
                {
                    int n = {|UR0008:t.Result|}.Length;
                    await Task.Yield();
                });
            }
        }
        """, """
        class C
        {
            void M(Task<string> t)
            {
                UringRuntime.Run(async () =>
                {
                    int n = (await t).Length;
                    await Task.Yield();
                });
            }
        }
        """, Fix);

    [Fact]
    public Task WaitStatementBecomesAwait() => ReactorVerify.CodeFixAsync("""
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
        """, """
        class C
        {
            void M(Task t)
            {
                UringRuntime.Run(async () =>
                {
                    await t;
                    await Task.Yield();
                });
            }
        }
        """, Fix);

    [Fact]
    public Task GetResultKeepsConfigureAwait() => ReactorVerify.CodeFixAsync("""
        class C
        {
            async Task M(UringFile file, byte[] buf, Task<int> t)
            {
                await file.ReadAsync(buf);
                int n = {|UR0008:t.ConfigureAwait(false).GetAwaiter().GetResult()|};
            }
        }
        """, """
        class C
        {
            async Task M(UringFile file, byte[] buf, Task<int> t)
            {
                await file.ReadAsync(buf);
                int n = await t.ConfigureAwait(false);
            }
        }
        """, Fix);

    [Fact]
    public Task WaitAllBecomesWhenAll() => ReactorVerify.CodeFixAsync("""
        class C
        {
            async Task M(UringFile file, byte[] buf, Task a, Task b)
            {
                await file.ReadAsync(buf);
                {|UR0008:Task.WaitAll(a, b)|};
            }
        }
        """, """
        class C
        {
            async Task M(UringFile file, byte[] buf, Task a, Task b)
            {
                await file.ReadAsync(buf);
                await Task.WhenAll(a, b);
            }
        }
        """, Fix);

    [Fact]
    public Task SleepWithMillisecondsBecomesTaskDelay() => ReactorVerify.CodeFixAsync("""
        class C
        {
            async Task M(UringFile file, byte[] buf)
            {
                await file.ReadAsync(buf);
                {|UR0008:Thread.Sleep(100)|};
            }
        }
        """, """
        class C
        {
            async Task M(UringFile file, byte[] buf)
            {
                await file.ReadAsync(buf);
                await Task.Delay(100);
            }
        }
        """, Fix);

    [Fact]
    public Task SleepWithTimeSpanUsesTheReactorTimer() => ReactorVerify.CodeFixAsync("""
        class C
        {
            async Task M(UringFile file, byte[] buf)
            {
                await file.ReadAsync(buf);
                {|UR0008:Thread.Sleep(TimeSpan.FromSeconds(1))|};
            }
        }
        """, """
        class C
        {
            async Task M(UringFile file, byte[] buf)
            {
                await file.ReadAsync(buf);
                await UringReactor.Current.Delay(TimeSpan.FromSeconds(1));
            }
        }
        """, Fix);

    [Fact]
    public Task StreamReadBecomesReadAsync() => ReactorVerify.CodeFixAsync("""
        class C
        {
            async Task M(UringFile file, byte[] buf, Stream log)
            {
                await file.ReadAsync(buf);
                int n = {|UR0008:log.Read(buf, 0, buf.Length)|};
                {|UR0008:File.WriteAllText("x", "y")|};
            }
        }
        """, """
        class C
        {
            async Task M(UringFile file, byte[] buf, Stream log)
            {
                await file.ReadAsync(buf);
                int n = await log.ReadAsync(buf, 0, buf.Length);
                await File.WriteAllTextAsync("x", "y");
            }
        }
        """, Fix);

    [Fact]
    public Task MakesATaskReturningLambdaAsync() => ReactorVerify.CodeFixAsync("""
        class C
        {
            int M(Task<int> t) => UringRuntime.Run(() => Task.FromResult({|UR0008:t.Result|}));
        }
        """, """
        class C
        {
            int M(Task<int> t) => UringRuntime.Run(async () => await t);
        }
        """, Fix);

    [Fact]
    public Task MakesALocalFunctionAsyncAndRewritesItsReturns() => ReactorVerify.CodeFixAsync("""
        class C
        {
            void M(UringReactor reactor, Task t)
            {
                reactor.Spawn(Work);

                Task Work()
                {
                    {|UR0008:t.Wait()|};
                    return Task.CompletedTask;
                }
            }
        }
        """, """
        class C
        {
            void M(UringReactor reactor, Task t)
            {
                reactor.Spawn(Work);

                async Task Work()
                {
                    await t;
                    return;
                }
            }
        }
        """, Fix);

    [Fact]
    public Task NoFixForAVoidCallback() => ReactorVerify.CodeFixAsync("""
        class C
        {
            void M(UringReactor reactor, Task t)
            {
                reactor.Post(_ => {|UR0008:t.Wait()|}, null);
            }
        }
        """, """
        class C
        {
            void M(UringReactor reactor, Task t)
            {
                reactor.Post(_ => {|UR0008:t.Wait()|}, null);
            }
        }
        """, Fix);

    [Fact]
    public Task NoFixWhereTheAwaitWouldNotCompile() => ReactorVerify.CodeFixAsync("""
        class C
        {
            readonly object _gate = new object();

            async Task M(UringFile file, byte[] buf, Task<int> t, Stream s)
            {
                await file.ReadAsync(buf);
                lock (_gate)
                {
                    int n = {|UR0008:t.Result|};
                }

                {|UR0008:s.Read(buf.AsSpan())|};
            }
        }
        """, """
        class C
        {
            readonly object _gate = new object();

            async Task M(UringFile file, byte[] buf, Task<int> t, Stream s)
            {
                await file.ReadAsync(buf);
                lock (_gate)
                {
                    int n = {|UR0008:t.Result|};
                }

                {|UR0008:s.Read(buf.AsSpan())|};
            }
        }
        """, Fix);

    [Fact]
    public Task FixAllInTheDocument() => ReactorVerify.CodeFixAsync("""
        class C
        {
            async Task M(UringFile file, byte[] buf, Task<int> a, Task<int> b)
            {
                await file.ReadAsync(buf);
                int n = {|UR0008:a.Result|} + {|UR0008:b.Result|};
                {|UR0008:Thread.Sleep(1)|};
            }
        }
        """, """
        class C
        {
            async Task M(UringFile file, byte[] buf, Task<int> a, Task<int> b)
            {
                await file.ReadAsync(buf);
                int n = await a + await b;
                await Task.Delay(1);
            }
        }
        """, Fix);
}
