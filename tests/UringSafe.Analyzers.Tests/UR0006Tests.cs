namespace UringSafe.Analyzers.Tests;

public class UR0006Tests
{
    [Fact]
    public Task CopyOfReferenceUsedAfterLending() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var b2 = buf;
                var task = f.ReadAtAsync(buf, 0);
                {|UR0006:b2|}[0] = 1;
                (_, buf) = await task;
            }
        }
        """);

    [Fact]
    public Task SpanTakenBeforeLendingUsedAfter() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                Memory<byte> memory = buf.AsMemory();
                var (n, _) = {|UR0002:await f.ReadAtAsync(buf, 0)|};
                Sink.Use({|UR0006:memory|}.Span);
            }
        }
        """);

    [Fact]
    public Task PatternVariableInACatchFilterInALoopIsANewValueEachTime() => Verify.AnalyzerAsync("""
        class C
        {
            static byte[]? Returned(Exception e) => null;

            async Task M(UringFile f)
            {
                var buf = new byte[16];
                for (int i = 0; i < 2; i++)
                {
                    try
                    {
                        (_, buf) = await f.WriteAtAsync(buf, 0);
                    }
                    catch (Exception e) when (Returned(e) is { } back)
                    {
                        buf = back;
                    }
                }
            }
        }
        """);

    [Fact]
    public Task PatternVariableOfALentBufferIsAnAlias() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, object o)
            {
                var buf = new byte[16];
                if (o is byte[] other)
                    buf = other;
                if (buf is { } view)
                {
                    var task = f.ReadAtAsync(buf, 0);
                    {|UR0006:view|}[0] = 1;
                    (_, buf) = await task;
                }
            }
        }
        """);

    [Fact]
    public Task AliasAfterTakeBackIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var b2 = buf;
                (_, buf) = await f.ReadAtAsync(buf, 0);
                b2[0] = 1;
            }
        }
        """);

    [Fact]
    public Task AliasOfFieldThroughParameter() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(Connection conn)
            {
                var view = conn.Buffer;
                var task = conn.File.ReadAtAsync(conn.Buffer, 0);
                Sink.Use({|UR0006:view|});
                (_, conn.Buffer) = await task;
            }
        }
        """);

    // Aliases through a fixed pointer: a Span over it, pointer arithmetic and a copy of the pointer.

    [Fact]
    public Task SpanOverAFixedPointerUsedWhileLent() => Verify.AnalyzerAsync("""
        unsafe class C
        {
            private ValueTask<IoResult<byte[]>> _pending;

            void Span(UringFile f, byte[] buf)
            {
                fixed (byte* p = buf)
                {
                    var span = new Span<byte>(p, 16);
                    _pending = f.ReadAtAsync(buf, 0);
                    {|UR0006:span|}[0] = 1;
                }
            }

            void Offset(UringFile f, byte[] buf)
            {
                fixed (byte* p = buf)
                {
                    var tail = new ReadOnlySpan<byte>(p + 4, 8);
                    _pending = f.ReadAtAsync(buf, 0);
                    Sink.Use({|UR0006:tail|});
                }
            }

            void Copy(UringFile f, byte[] buf)
            {
                fixed (byte* p = buf)
                {
                    byte* q = p;
                    _pending = f.ReadAtAsync(buf, 0);
                    {|UR0006:q|}[0] = 1;
                }
            }
        }
        """);

    // Slices made with a range: views of the same memory.

    [Fact]
    public Task RangeSliceOfMemoryUsedWhileLent() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                Memory<byte> frame = buf.AsMemory();
                var head = frame[..4];
                var tail = frame[4..];
                var direct = buf.AsMemory()[2..6];
                var sliced = frame.Slice(0, 4);
                var task = f.ReadAtAsync(buf, 0);
                Sink.Use({|UR0006:head|});
                Sink.Use({|UR0006:tail|});
                Sink.Use({|UR0006:direct|});
                Sink.Use({|UR0006:sliced|});
                (_, buf) = await task;
            }
        }
        """);

    [Fact]
    public Task RangeOfAnArrayIsACopy() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                var head = buf[..4];
                var task = f.ReadAtAsync(buf, 0);
                head[0] = 1;
                (_, buf) = await task;
            }
        }
        """);

    // Property-pattern variables alias the member they matched.

    [Fact]
    public Task PropertyPatternVariableUsedWhileLent() => Verify.AnalyzerAsync("""
        sealed class Message { public byte[] Body { get; set; } = new byte[4]; public Message? Inner { get; set; } }

        class C
        {
            async Task Typed(UringFile f, Message msg)
            {
                if (msg is { Body: byte[] body })
                {
                    var task = f.ReadAtAsync(msg.Body, 0);
                    {|UR0006:body|}[0] = 1;
                    (_, msg.Body) = await task;
                }
            }

            async Task Var(UringFile f, Connection conn)
            {
                if (conn is { Buffer: var b })
                {
                    var task = f.ReadAtAsync(conn.Buffer, 0);
                    Sink.Use({|UR0006:b|});
                    (_, conn.Buffer) = await task;
                }
            }

            async Task Nested(UringFile f, Message msg)
            {
                if (msg is { Inner: { Body: var inner } })
                {
                    var task = f.ReadAtAsync(msg.Inner.Body, 0);
                    Sink.Use({|UR0006:inner|});
                    (_, msg.Inner.Body) = await task;
                }
            }
        }
        """);

    // A delegate still running (Task.Run) that uses an alias of a buffer: lending the buffer again is a use while lent.

    [Fact]
    public Task AliasCapturedByARunningDelegateWhileTheBufferIsLentAgain() => Verify.AnalyzerAsync("""
        class C
        {
            static int Hash(ReadOnlyMemory<byte> data) => data.Length;

            async Task<int> M(UringFile f)
            {
                var buf = new byte[16];
                int n;
                (n, buf) = await f.ReadAtAsync(buf, 0);
                var chunk = buf.AsMemory(0, n);
                var hashing = Task.Run(() => Hash({|UR0006:chunk|}));
                (n, buf) = await f.ReadAtAsync(buf, n);
                return await hashing;
            }

            async Task<int> Direct(UringFile f, byte[] buf)
            {
                var hashing = Task.Run(() => {|UR0001:buf|}.Length);
                var t = f.ReadAtAsync(buf, 0);
                (_, buf) = await t;
                return await hashing;
            }

            async Task<int> Factory(UringFile f, byte[] buf)
            {
                var copy = buf;
                var hashing = Task.Factory.StartNew(() => {|UR0006:copy|}.Length);
                (_, buf) = await f.ReadAtAsync(buf, 0);
                return await hashing;
            }
        }
        """);

    [Fact]
    public Task DelegateAwaitedBeforeTheBufferIsLentIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            static int Hash(ReadOnlyMemory<byte> data) => data.Length;

            async Task<int> M(UringFile f)
            {
                var buf = new byte[16];
                int n;
                (n, buf) = await f.ReadAtAsync(buf, 0);
                var chunk = buf.AsMemory(0, n);
                int h = await Task.Run(() => Hash(chunk));
                (n, buf) = await f.ReadAtAsync(buf, n);
                var copy = buf.AsSpan().ToArray();
                var hashing = Task.Run(() => Hash(copy));
                (n, buf) = await f.ReadAtAsync(buf, n);
                return h + await hashing;
            }
        }
        """);

    // An out argument of the lending call may hand back the lent buffer itself: the variable it sets is an alias. So is
    // a view handed out through an out argument by a call on memory, as its result would be.
    [Fact]
    public Task AnOutArgumentThatHandsBackTheBufferIsAnAlias() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(Buf buf)
            {
                var pending = Outs.ReadAsync(buf, out var copy);
                Sink.Use({|UR0006:copy|}.Data);
                (_, buf) = await pending;
            }

            async Task Declared(Buf buf)
            {
                Buf copy;
                var pending = Outs.ReadAsync(buf, out copy);
                using ({|UR0006:copy|})
                {
                }

                (_, buf) = await pending;
            }

            async Task View(UringFile f, byte[] buf)
            {
                ReadOnlyMemory<byte> memory = buf;
                System.Runtime.InteropServices.MemoryMarshal.TryGetArray(memory, out var segment);
                var pending = f.ReadAtAsync(buf, 0);
                Sink.Use({|UR0006:segment|}.Array);
                (_, buf) = await pending;
            }
        }
        """ + Outs + TestApi.DisposableBuffer);

    [Fact]
    public Task AnOutArgumentThatCannotHoldTheBufferIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(Buf buf, Buf other)
            {
                var pending = Outs.ReadCountedAsync(buf, out var count);
                Outs.Peek(other, out var view);
                Sink.Use(view.Data);
                (_, buf) = await pending;
                Sink.Use(buf.Data.AsSpan(0, count));
            }
        }
        """ + Outs + TestApi.DisposableBuffer);

    private const string Outs = """

        static class Outs
        {
            public static ValueTask<IoResult<Buf>> ReadAsync([UringSafe.Lends] Buf buffer, out Buf same)
            {
                same = buffer;
                return new(new IoResult<Buf>(0, buffer));
            }

            public static ValueTask<IoResult<Buf>> ReadCountedAsync([UringSafe.Lends] Buf buffer, out int count)
            {
                count = 0;
                return new(new IoResult<Buf>(0, buffer));
            }

            public static void Peek(Buf buffer, out Buf same) => same = buffer;
        }
        """;

    // A method group bound to the buffer (`Task.Run(buf.Touch)`) runs with the buffer as its target, like a lambda
    // capturing it: lending the buffer while the delegate may still be running is a use while lent.
    internal const string MethodGroupBoundToTheBuffer = """
        class C
        {
            async Task Instance(Block buf)
            {
                var running = Task.Run({|UR0001:buf|}.Touch);
                (_, buf) = await Blocks.ReadAsync(buf);
                await running;
            }

            async Task Created(Block buf)
            {
                var running = Task.Run(new Action({|UR0001:buf|}.Touch));
                (_, buf) = await Blocks.ReadAsync(buf);
                await running;
            }

            async Task<int> Extension(UringFile f, byte[] buf)
            {
                var hashing = Task.Run({|UR0001:buf|}.Hash);
                (_, buf) = await f.ReadAtAsync(buf, 0);
                return await hashing;
            }

            async Task<int> Alias(UringFile f, byte[] buf)
            {
                var copy = buf;
                var hashing = Task.Run({|UR0006:copy|}.Hash);
                (_, buf) = await f.ReadAtAsync(buf, 0);
                return await hashing;
            }

            async Task<int> BoundWhileLent(UringFile f, byte[] buf, Block block)
            {
                var pending = f.ReadAtAsync(buf, 0);
                var lending = Blocks.ReadAsync(block);
                Func<int> hash = {|UR0001:buf|}.Hash;
                Action touch = {|UR0001:block|}.Touch;
                (_, buf) = await pending;
                (_, block) = await lending;
                return hash();
            }
        }
        """ + Blocks;

    [Fact]
    public Task AMethodGroupBoundToTheBufferRunsWhileItIsLentAgain() => Verify.AnalyzerAsync(MethodGroupBoundToTheBuffer);

    [Fact]
    public Task AMethodGroupBoundToSomethingElseIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            static void Work() { }

            async Task<int> M(UringFile f, byte[] buf, byte[] other, Block block)
            {
                var hashing = Task.Run(other.Hash);
                var working = Task.Run(Work);
                var touching = Task.Run(block.Touch);
                int h = await Task.Run(buf.Hash);
                (_, buf) = await f.ReadAtAsync(buf, 0);
                await working;
                await touching;
                return h + await hashing;
            }
        }
        """ + Blocks);

    private const string Blocks = """

        sealed class Block
        {
            public byte[] Data = new byte[16];
            public void Touch() => Data[0]++;
        }

        static class Blocks
        {
            public static ValueTask<IoResult<Block>> ReadAsync([UringSafe.Lends] Block block) => new(new IoResult<Block>(0, block));
            public static int Hash(this byte[] data) => data.Length;
        }
        """;
}
