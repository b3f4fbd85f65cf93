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
            // Returning the task hands the caller nothing back: a ValueTask<int> carries no buffer (issue 21).
            ValueTask<int> Read(UringFile f, byte* {|UR0007:p|}) => f.ReadRawAsync(p, 16);
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

    // Forwarding another [Lends] helper's plain Task: a Task carries no buffer back, so the caller's buffer stays lent.

    [Fact]
    public Task ForwardingAHelpersPlainTaskLends() => Verify.ContractAsync("""
        using UringSafe;

        class C
        {
            static async Task SendRecordAsync(UringFile f, [Lends] byte[] record)
            {
                (_, record) = await f.WriteAtAsync(record, 0);
            }

            static async ValueTask<int> CountAsync(UringFile f, [Lends] byte[] record)
            {
                var (n, back) = await f.WriteAtAsync(record, 0);
                return n + back.Length;
            }

            Task ForwardAsync(UringFile f, byte[] {|UR0007:record|}) => SendRecordAsync(f, record);

            Task ForwardBlockAsync(UringFile f, byte[] {|UR0007:record|})
            {
                return SendRecordAsync(f, record);
            }

            async Task ForwardAwaitedAsync(UringFile f, byte[] {|UR0007:record|})
            {
                await SendRecordAsync(f, record);
            }

            async Task<int> ForwardCountAsync(UringFile f, byte[] {|UR0007:record|}) => await CountAsync(f, record);

            ValueTask<int> ForwardCountTaskAsync(UringFile f, byte[] {|UR0007:record|}) => CountAsync(f, record);
        }
        """);

    // A local that may still alias the parameter when it is lent.

    [Fact]
    public Task LocalThatMayAliasTheParameterIsLent() => Verify.ContractAsync("""
        class C
        {
            static byte[] Compress(byte[] data) => data;

            async Task SendAsync(UringFile f, byte[] {|UR0007:payload|}, bool compress)
            {
                var wire = payload;
                if (compress) wire = Compress(payload);
                (_, wire) = await f.WriteAtAsync(wire, 0);
            }

            async Task SendChosenAsync(UringFile f, byte[] {|UR0007:payload|}, byte[] fallback, bool compress)
            {
                byte[] wire = compress ? Compress(fallback) : payload;
                (_, wire) = await f.WriteAtAsync(wire, 0);
            }

            async Task SendChainAsync(UringFile f, byte[] {|UR0007:payload|})
            {
                var first = payload;
                var second = first;
                (_, second) = await f.WriteAtAsync(second, 0);
            }

            async Task SendCoalescedAsync(UringFile f, byte[]? {|UR0007:payload|})
            {
                var wire = payload ?? new byte[1];
                (_, wire) = await f.WriteAtAsync(wire, 0);
            }

            async Task SendViewAsync(UringFile f, byte[] {|UR0007:payload|})
            {
                Memory<byte> view = payload.AsMemory(0, 4);
                (_, view) = await f.ReadMemoryAsync(view);
            }
        }
        """);

    [Fact]
    public Task LocalHoldingACopyOrAFreshBufferIsNotTheParameter() => Verify.ContractAsync("""
        class C
        {
            static byte[] Compress(byte[] data) => (byte[])data.Clone();

            async Task SendAsync(UringFile f, byte[] payload)
            {
                var wire = Compress(payload);
                (_, wire) = await f.WriteAtAsync(wire, 0);
                var copy = payload.AsSpan().ToArray();
                (_, copy) = await f.WriteAtAsync(copy, 0);
            }
        }
        """);

    // The awaited result kept in a local and returned gives the buffer back.

    [Fact]
    public Task AwaitedResultKeptInALocalAndReturnedIsFine() => Verify.ContractAsync("""
        class C
        {
            static void Log(IoResult<byte[]> r) { }

            async Task<IoResult<byte[]>> ReadAsync(UringFile file, byte[] buffer, long off)
            {
                var r = await file.ReadAtAsync(buffer, off);
                Log(r);
                return r;
            }

            async Task<IoResult<byte[]>> ReadAssignedLaterAsync(UringFile file, byte[] buffer)
            {
                IoResult<byte[]> r;
                r = await file.ReadAtAsync(buffer, 0);
                return r;
            }

            async Task<(int, byte[])> ReadDeconstructedAsync(UringFile file, byte[] buffer)
            {
                var (n, back) = await file.ReadAtAsync(buffer, 0);
                return (n, back);
            }

            async Task<IoResult<byte[]>> ReadThroughTaskAsync(UringFile file, byte[] buffer)
            {
                var task = file.ReadAtAsync(buffer, 0);
                var r = await task;
                return r;
            }
        }
        """);

    [Fact]
    public Task AwaitedResultKeptButSomethingElseReturnedLends() => Verify.ContractAsync("""
        class C
        {
            async Task<IoResult<byte[]>> ReadAsync(UringFile file, byte[] {|UR0007:buffer|})
            {
                var r = await file.ReadAtAsync(buffer, 0);
                return new IoResult<byte[]>(r.Result, new byte[1]);
            }
        }
        """);

    // A read task returned from inside a fixed block carries the buffer back.

    [Fact]
    public Task TaskReturnedFromInsideAFixedBlockIsFine() => Verify.ContractAsync("""
        unsafe class C
        {
            ValueTask<IoResult<byte[]>> ReadAsync(UringFile file, byte[] buffer)
            {
                fixed (byte* p = buffer)
                {
                    p[0] = 0;
                    return file.ReadAtAsync(buffer, 0);
                }
            }

            Task<IoResult<byte[]>> WriteAsync(UringFile file, byte[] buffer, byte[] header)
            {
                fixed (byte* h = header)
                {
                    return file.WriteAtAsync(buffer, h[0]);
                }
            }
        }
        """);

    // A read into a fixed array that completes before the fixed block ends: the pinned memory comes back to nobody, and the
    // kernel is done with it before the method returns, so the caller's array is never lent past the call (no [Lends]).

    [Fact]
    public Task ReadIntoAFixedArrayCompletedInsideTheBlockIsFine() => Verify.ContractAsync("""
        unsafe class C
        {
            int ReadBlocking(UringFile f, byte[] buffer)
            {
                fixed (byte* p = buffer)
                {
                    return f.ReadRawAsync(p, buffer.Length).GetAwaiter().GetResult();
                }
            }

            int ReadWaited(UringFile f, byte[] buffer, int offset)
            {
                int n;
                fixed (byte* p = &buffer[offset])
                {
                    var task = f.ReadRawAsync(p + 1, buffer.Length - offset - 1).AsTask();
                    task.Wait();
                    n = task.Result;
                }

                return n;
            }

            static int ReadPinned(UringFile f, byte[] buffer)
            {
                fixed (byte* p = buffer)
                {
                    var awaiter = f.ReadRawAsync(p, 16).GetAwaiter();
                    return awaiter.GetResult();
                }
            }
        }
        """);

    // A read still in flight when the fixed block ends is UR0005 (the pin is gone); that is the one finding, not UR0007
    // (UR0005Tests.FixedPointerEscapesFixedBlock returns the task instead).

    [Fact]
    public Task ReadIntoAFixedArrayLeftInFlightIsUR0005Only() => Verify.ContractAsync("""
        unsafe class C
        {
            int ReadAndWaitAfterTheBlock(UringFile f, byte[] buffer)
            {
                ValueTask<int> task;
                fixed (byte* p = buffer)
                {
                    task = f.ReadRawAsync({|UR0005:p|}, buffer.Length);
                }

                return task.GetAwaiter().GetResult();
            }
        }
        """);

    // After awaiting a [Lends] helper whose result carries no buffer, the buffer is the caller's again (the helper only
    // borrowed it), unless the helper disposed it or returned it to a pool: then it took the buffer over, and the
    // caller may not touch it afterwards (docs/analyzers.md and docs/guide/buffers.md say the same).

    [Fact]
    public Task CallerMayNotUseABufferAHelperDisposed() => Verify.ContractAsync("""
        using UringSafe;

        class C
        {
            static async Task<int> ReadWord([Lends] Buf buf)
            {
                int n;
                (n, buf) = await Ops.ReadAsync(buf);
                buf.Dispose();
                return n;
            }

            static async Task ReadAndReturn([Lends] byte[] buf, UringFile f)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
                Pool.Return(buf);
            }

            static async Task ReadUsing([Lends] Buf buf)
            {
                int n;
                (n, buf) = await Ops.ReadAsync(buf);
                using (buf)
                {
                }
            }

            async Task Caller(UringFile f)
            {
                var buf = new Buf();
                await ReadWord(buf);
                Sink.Use({|UR0001:buf|}.Data);

                var arr = new byte[16];
                await ReadAndReturn(arr, f);
                Sink.Use({|UR0001:arr|});

                var other = new Buf();
                await ReadUsing(other);
                {|UR0001:other|}.Dispose();
            }
        }
        """ + TestApi.DisposableBuffer);

    [Fact]
    public Task CallerMayUseABufferAHelperOnlyBorrowed() => Verify.ContractAsync("""
        using UringSafe;

        class C
        {
            static async Task<int> Fill([Lends] Buf buf)
            {
                int n;
                (n, buf) = await Ops.ReadAsync(buf);
                return n;
            }

            async Task Caller()
            {
                var buf = new Buf();
                await Fill(buf);
                Sink.Use(buf.Data);
                buf.Dispose();
            }
        }
        """ + TestApi.DisposableBuffer);
}

