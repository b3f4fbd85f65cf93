namespace UringSafe.Analyzers.Tests;

public class UR0007Tests
{
    [Fact]
    public Task HelperLendingItsParameter() => Verify.ContractAsync("""
        class C
        {
            async Task Helper(UringFile f, byte[] {|UR0007:buf|})
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """);

    [Fact]
    public Task HelperLendingAViewOfItsParameter() => Verify.ContractAsync("""
        class C
        {
            async Task<int> Helper(UringFile f, byte[] {|UR0007:arr|})
            {
                var (n, view) = await f.ReadMemoryAsync(arr.AsMemory(0, 8));
                return n + view.Length;
            }
        }
        """);

    [Fact]
    public Task HelperLendingAParameterCapturedByALambda() => Verify.ContractAsync("""
        class C
        {
            Task Helper(UringFile f, byte[] {|UR0007:buf|}) =>
                Task.Run(async () => { var (_, b) = await f.ReadAtAsync(buf, 0); });
        }
        """);

    [Fact]
    public Task LocalFunctionLendingItsParameter() => Verify.ContractAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                await Read(buf);

                async Task Read(byte[] {|UR0007:b|})
                {
                    (_, b) = await f.ReadAtAsync(b, 0);
                }
            }
        }
        """);

    [Fact]
    public Task DeclaredLendsIsFine() => Verify.ContractAsync("""
        using UringSafe;

        class C
        {
            async Task Helper(UringFile f, [Lends] byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """);

    [Fact]
    public Task ReturningTheOperationsTaskDirectlyIsFine() => Verify.ContractAsync("""
        class C
        {
            ValueTask<IoResult<byte[]>> Read(UringFile f, byte[] buf) => f.ReadAtAsync(buf, 0);

            Task<IoResult<byte[]>> Write(UringFile f, byte[] buf)
            {
                return f.WriteAtAsync(buf, 0);
            }

            Task<IoResult<byte[]>> ReadAsTask(UringFile f, byte[] buf) => f.ReadAtAsync(buf, 0).AsTask();
        }
        """);

    [Fact]
    public Task ReturningTheAwaitedResultIsFine() => Verify.ContractAsync("""
        class C
        {
            async Task<IoResult<byte[]>> Read(UringFile f, byte[] buf) => await f.ReadAtAsync(buf, 0);
        }
        """);

    [Fact]
    public Task ReturningTheBufferInTheResultIsFine() => Verify.ContractAsync("""
        class C
        {
            async Task<(int Count, byte[] Buffer)> Read(UringFile f, byte[] buf)
            {
                int n;
                (n, buf) = await f.ReadAtAsync(buf, 0);
                return (n, buf);
            }
        }
        """);

    [Fact]
    public Task ResultWithoutTheBufferIsNotAWayBack() => Verify.ContractAsync("""
        class C
        {
            async Task<int> Read(UringFile f, byte[] {|UR0007:buf|})
            {
                int n;
                (n, buf) = await f.ReadAtAsync(buf, 0);
                return n;
            }
        }
        """);

    [Fact]
    public Task RefParameterGivesTheBufferBackThroughItself() => Verify.ContractAsync("""
        class C
        {
            void Read(UringFile f, ref byte[] buf)
            {
                (_, buf) = f.ReadAtAsync(buf, 0).GetAwaiter().GetResult();
            }
        }
        """);

    [Fact]
    public Task LambdaParametersAreNotReported() => Verify.ContractAsync("""
        class C
        {
            Func<byte[], Task> M(UringFile f) => async b => { var (_, back) = await f.ReadAtAsync(b, 0); };
        }
        """);

    [Fact]
    public Task LocalBuffersAreNotReported() => Verify.ContractAsync("""
        class C
        {
            async Task M(UringFile f, Connection conn)
            {
                var buf = new byte[16];
                (_, buf) = await f.ReadAtAsync(buf, 0);
                (_, conn.Buffer) = await f.ReadAtAsync(conn.Buffer, 0);
            }
        }
        """);

    [Fact]
    public Task RawPointerParameterIsLentToo() => Verify.ContractAsync("""
        unsafe class C
        {
            ValueTask<int> Read(UringFile f, byte* p) => f.ReadRawAsync(p, 16);
        }

        class D
        {
            async Task ReadAndWait(UringFile f, nint {|UR0007:memory|})
            {
                await f.ReadNativeAsync(memory, 16);
            }
        }
        """);

    [Fact]
    public Task CallerOfALendsHelperGetsUR0001WhileInFlight() => Verify.ContractAsync("""
        using UringSafe;

        class C
        {
            async Task Helper(UringFile f, [Lends] byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }

            async Task Caller(UringFile f)
            {
                var arr = new byte[16];
                var task = Helper(f, arr);
                {|UR0001:arr|}[0] = 42;
                await task;
                arr[0] = 43;
            }
        }
        """);

    [Fact]
    public Task CallerOfALendsHelperMayUseTheBufferAfterAwaiting() => Verify.ContractAsync("""
        using UringSafe;

        class C
        {
            async Task Helper(UringFile f, [Lends] byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }

            async Task Caller(UringFile f)
            {
                var arr = new byte[16];
                await Helper(f, arr);
                arr[0] = 42;
                Sink.Use(arr);
            }
        }
        """);

    [Fact]
    public Task CallerOfALendsHelperDroppingItsTaskGetsUR0003() => Verify.ContractAsync("""
        using UringSafe;

        class C
        {
            async Task Helper(UringFile f, [Lends] byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }

            void Caller(UringFile f, byte[] {|UR0007:arr|})
            {
                {|UR0003:Helper(f, arr)|};
            }
        }
        """);

    [Fact]
    public Task CallerLendingTwiceThroughHelpersGetsUR0004() => Verify.ContractAsync("""
        using UringSafe;

        class C
        {
            async Task Helper(UringFile f, [Lends] byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }

            async Task Caller(UringFile f)
            {
                var arr = new byte[16];
                var first = Helper(f, arr);
                var second = Helper(f, {|UR0004:arr|});
                await Task.WhenAll(first, second);
            }
        }
        """);

    [Fact]
    public Task ChainHelperToHelperToOperationReportsTheMiddle() => Verify.ContractAsync("""
        using UringSafe;

        class C
        {
            async Task Inner(UringFile f, [Lends] byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }

            async Task Middle(UringFile f, byte[] {|UR0007:buf|})
            {
                await Inner(f, buf);
            }

            async Task Outer(UringFile f, byte[] arr)
            {
                var task = Middle(f, arr);
                arr[0] = 1;
                await task;
            }
        }
        """);

    [Fact]
    public Task ChainWithLendsEverywhereFlowsToTheOuterCaller() => Verify.ContractAsync("""
        using UringSafe;

        class C
        {
            async Task Inner(UringFile f, [Lends] byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }

            async Task Middle(UringFile f, [Lends] byte[] buf)
            {
                await Inner(f, buf);
            }

            async Task Outer(UringFile f, [Lends] byte[] arr)
            {
                var task = Middle(f, arr);
                {|UR0001:arr|}[0] = 1;
                await task;
            }
        }
        """);

    [Fact]
    public Task ChainReturningTasksDirectlyKeepsTheBufferFlowing() => Verify.ContractAsync("""
        using UringSafe;

        class C
        {
            ValueTask<IoResult<byte[]>> Inner(UringFile f, byte[] buf) => f.ReadAtAsync(buf, 0);

            async Task<int> Outer(UringFile f, [Lends] byte[] buf)
            {
                int n;
                (n, buf) = await f.ReadAtAsync(buf, 0);
                return n;
            }
        }
        """);

    [Fact]
    public Task ImplementationWithoutLendsOfALendsInterfaceMethod() => Verify.ContractAsync("""
        using UringSafe;

        interface IReader
        {
            Task ReadAsync(UringFile f, [Lends] byte[] buf);
        }

        class Reader : IReader
        {
            public Task ReadAsync(UringFile f, byte[] {|UR0007:buf|}) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task ImplementationWithLendsOfAPlainInterfaceMethod() => Verify.ContractAsync("""
        using UringSafe;

        interface IReader
        {
            Task ReadAsync(UringFile f, byte[] buf);
        }

        class Reader : IReader
        {
            public async Task ReadAsync(UringFile f, [Lends] byte[] {|UR0007:buf|})
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """);

    [Fact]
    public Task ExplicitImplementationMustAgree() => Verify.ContractAsync("""
        using UringSafe;

        interface IReader
        {
            Task ReadAsync(UringFile f, [Lends] byte[] buf);
        }

        class Reader : IReader
        {
            Task IReader.ReadAsync(UringFile f, byte[] {|UR0007:buf|}) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task AgreeingInterfaceImplementationIsFine() => Verify.ContractAsync("""
        using UringSafe;

        interface IReader
        {
            Task ReadAsync(UringFile f, [Lends] byte[] buf);
        }

        class Reader : IReader
        {
            public async Task ReadAsync(UringFile f, [Lends] byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }

        class Caller
        {
            async Task M(IReader reader, UringFile f)
            {
                var arr = new byte[16];
                var task = reader.ReadAsync(f, arr);
                Sink.Use({|UR0001:arr|});
                await task;
            }
        }
        """);

    [Fact]
    public Task OverrideWithoutLendsOfAVirtualLendsMethod() => Verify.ContractAsync("""
        using UringSafe;

        class Base
        {
            public virtual Task ReadAsync(UringFile f, [Lends] byte[] buf) => Task.CompletedTask;
        }

        class Derived : Base
        {
            public override Task ReadAsync(UringFile f, byte[] {|UR0007:buf|}) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task OverrideLendingWhatTheVirtualMethodDoesNotDeclare() => Verify.ContractAsync("""
        using UringSafe;

        abstract class Base
        {
            public abstract Task ReadAsync(UringFile f, byte[] buf);
        }

        class Derived : Base
        {
            public override async Task ReadAsync(UringFile f, byte[] {|UR0007:buf|})
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """);

    [Fact]
    public Task AgreeingOverrideIsFine() => Verify.ContractAsync("""
        using UringSafe;

        abstract class Base
        {
            public abstract Task ReadAsync(UringFile f, [Lends] byte[] buf);
        }

        class Derived : Base
        {
            public override async Task ReadAsync(UringFile f, [Lends] byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """);

    [Fact]
    public Task OverrideReturningTheTaskDirectlyMustStillAgree() => Verify.ContractAsync("""
        using UringSafe;

        abstract class Base
        {
            public abstract ValueTask<IoResult<byte[]>> ReadAsync(UringFile f, [Lends] byte[] buf);
        }

        class Derived : Base
        {
            public override ValueTask<IoResult<byte[]>> ReadAsync(UringFile f, byte[] {|UR0007:buf|}) => f.ReadAtAsync(buf, 0);
        }
        """);
}
