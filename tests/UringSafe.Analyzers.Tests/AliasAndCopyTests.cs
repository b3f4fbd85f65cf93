namespace UringSafe.Analyzers.Tests;

/// <summary>What is an alias of a lent buffer (views, pinned pointers) and what is not (copies, views given back).</summary>
public class AliasAndCopyTests
{
    [Fact]
    public Task ArrayUsableAfterItsMemoryViewIsTakenBack() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var arr = new byte[100];
                Memory<byte> mem;
                (_, mem) = await f.ReadMemoryAsync(arr.AsMemory(0, 100));
                arr[0] = 42;
                Sink.Use(arr);
            }
        }
        """);

    [Fact]
    public Task ArrayUsableAfterItsMemoryViewIsTakenBackInDeclaration() => Verify.AnalyzerAsync("""
        class C
        {
            async Task<int> M(UringFile f)
            {
                var arr = new byte[100];
                var (n, mem) = await f.ReadMemoryAsync(arr.AsMemory());
                return n + mem.Length + arr[0];
            }
        }
        """);

    [Fact]
    public Task ArrayUsedWhileItsMemoryViewIsInFlight() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var arr = new byte[100];
                var task = f.ReadMemoryAsync(arr.AsMemory(0, 100));
                {|UR0001:arr|}[0] = 42;
                var (_, mem) = await task;
                Sink.Use(mem);
            }
        }
        """);

    [Fact]
    public Task FixedPointerIsAnAliasOfTheArray() => Verify.AnalyzerAsync("""
        class C
        {
            unsafe void M(UringFile f, byte[] arr)
            {
                fixed (byte* p = arr)
                {
                    var task = f.ReadRawAsync(p, arr.Length);
                    {|UR0006:arr|}[0] = 1;
                    task.GetAwaiter().GetResult();
                }
            }
        }
        """);

    [Fact]
    public Task FixedPointerToFirstElementIsAnAliasOfTheArray() => Verify.AnalyzerAsync("""
        class C
        {
            unsafe void M(UringFile f, byte[] arr)
            {
                fixed (byte* p = &arr[0])
                {
                    var task = f.ReadRawAsync(p, 16);
                    Sink.Use({|UR0006:arr|});
                    task.GetAwaiter().GetResult();
                }
            }
        }
        """);

    [Fact]
    public Task ArrayUsableAfterFixedPointerOperationCompletes() => Verify.AnalyzerAsync("""
        class C
        {
            unsafe void M(UringFile f, byte[] arr)
            {
                fixed (byte* p = arr)
                {
                    f.ReadRawAsync(p, arr.Length).GetAwaiter().GetResult();
                    arr[0] = 1;
                }
            }
        }
        """);

    [Fact]
    public Task LendingAnArrayWhilePointerFromFixedIsInFlightIsLendingTwice() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, byte[] arr)
            {
                await Start(f, arr);
            }

            unsafe Task Start(UringFile f, byte[] arr)
            {
                fixed (byte* p = arr)
                {
                    var task = f.ReadRawAsync(p, arr.Length);
                    var other = f.ReadAtAsync({|UR0004:arr|}, 0);
                    task.GetAwaiter().GetResult();
                    return other.AsTask();
                }
            }
        }
        """);

    [Fact]
    public Task ToArrayCopyIsNotAnAlias() => Verify.AnalyzerAsync("""
        using System.Linq;

        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var copy = buf.ToArray();
                var task = f.ReadAtAsync(buf, 0);
                copy[0] = 1;
                Sink.Use(copy);
                (_, buf) = await task;
            }
        }
        """);

    [Fact]
    public Task SpanToArrayCopyIsNotAnAlias() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                byte[] copy = buf.AsSpan(0, 8).ToArray();
                var task = f.ReadAtAsync(buf, 0);
                Sink.Use(copy);
                (_, buf) = await task;
            }
        }
        """);

    [Fact]
    public Task CopyToTargetIsNotAnAlias() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var copy = new byte[16];
                buf.CopyTo(copy, 0);
                buf.AsSpan().CopyTo(copy);
                var task = f.ReadAtAsync(buf, 0);
                copy[0] = 1;
                Sink.Use(copy);
                (_, buf) = await task;
            }
        }
        """);

    [Fact]
    public Task CopyToMemoryTargetIsNotAnAlias() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                Memory<byte> copy = new byte[16];
                buf.AsMemory().CopyTo(copy);
                var task = f.ReadAtAsync(buf, 0);
                Sink.Use(copy);
                (_, buf) = await task;
            }
        }
        """);

    [Fact]
    public Task CopyIntoTheLentBufferIsAUse() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var source = new byte[16];
                var task = f.ReadAtAsync(buf, 0);
                source.CopyTo({|UR0001:buf|}, 0);
                (_, buf) = await task;
            }
        }
        """);

    [Fact]
    public Task OneDiagnosticForAMemberOfALentView() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                Memory<byte> mem = buf;
                var task = f.ReadMemoryAsync(mem);
                Sink.Use({|UR0001:mem|}.Span);
                (_, mem) = await task;
            }
        }
        """);

    [Fact]
    public Task OneDiagnosticWhenPathsThroughAFinallyDisagree() => Verify.AnalyzerAsync("""
        class C
        {
            void M(UringFile f, bool flag)
            {
                var buf = new byte[16];
                var alias = buf;
                try
                {
                    if (flag)
                    {
                        Sink.Keep(f.ReadAtAsync(buf, 0));
                        return;
                    }

                    Sink.Keep(f.ReadAtAsync(alias, 0));
                }
                finally
                {
                    Sink.Use({|UR0001:alias|});
                }
            }
        }
        """);

    // A struct member holding the buffer is an alias of it, and so is that member of a copy of the struct (a struct is
    // copied by value, the buffer reference in it is not).
    [Fact]
    public Task AStructCopyKeepsTheBufferItsMemberHolds() => Verify.AnalyzerAsync("""
        class C
        {
            async Task Member(UringFile f, byte[] buf)
            {
                Handle h = default;
                h.Arr = buf;
                var pending = f.ReadAtAsync(buf, 0);
                Sink.Use({|UR0006:h.Arr|});
                (_, buf) = await pending;
            }

            async Task Copy(UringFile f, byte[] buf)
            {
                Handle h = default;
                h.Arr = buf;
                var copy = h;
                var pending = f.ReadAtAsync(buf, 0);
                Sink.Use({|UR0006:copy.Arr|});
                (_, buf) = await pending;
            }

            async Task LentAgain(UringFile f, byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
                Handle h = default;
                h.Arr = buf;
                Handle copy;
                copy = h;
                var pending = f.ReadAtAsync(buf, 0);
                {|UR0006:copy.Arr|}[0] = 1;
                (_, buf) = await pending;
            }
        }

        struct Handle
        {
            public byte[] Arr;
        }
        """);

    // An object initializer that stores the buffer in a member (`new Holder { Arr = buf }`) makes that member an alias.
    [Fact]
    public Task AnObjectInitializerStoresTheBufferInAMember() => Verify.AnalyzerAsync("""
        class C
        {
            async Task Struct(UringFile f, byte[] buf)
            {
                var h = new Handle { Arr = buf };
                var pending = f.ReadAtAsync(buf, 0);
                Sink.Use({|UR0006:h.Arr|});
                (_, buf) = await pending;
            }

            async Task Class(UringFile f, byte[] buf)
            {
                Holder h;
                h = new Holder { Count = 1, Arr = buf };
                var pending = f.ReadAtAsync(buf, 0);
                Sink.Use({|UR0006:h.Arr|});
                (_, buf) = await pending;
            }

            async Task View(UringFile f, byte[] buf)
            {
                var h = new Holder { Memory = buf.AsMemory(0, 4) };
                var pending = f.ReadAtAsync(buf, 0);
                Sink.Use({|UR0006:h.Memory|});
                (_, buf) = await pending;
            }

            async Task OfOthers(UringFile f, byte[] buf, byte[] other)
            {
                var h = new Holder { Arr = other, Memory = new byte[4], Count = buf.Length };
                var pending = f.ReadAtAsync(buf, 0);
                Sink.Use(h.Arr);
                Sink.Use(h.Memory);
                (_, buf) = await pending;
            }
        }

        struct Handle
        {
            public byte[] Arr;
        }

        class Holder
        {
            public byte[] Arr;
            public Memory<byte> Memory { get; set; }
            public int Count;
        }
        """);

    [Fact]
    public Task AStructCopyOfAnotherBufferIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, byte[] buf, byte[] other)
            {
                Handle h = default;
                h.Arr = other;
                var copy = h;
                h.Arr = buf;
                var pending = f.ReadAtAsync(buf, 0);
                Sink.Use(copy.Arr);
                (_, buf) = await pending;
            }
        }

        struct Handle
        {
            public byte[] Arr;
        }
        """);

    // An indexer of a result that holds the buffer (`r[0]`, reading `r.Buffer[0]`) reads the buffer: after the buffer
    // is taken back from the result and lent again, it is a use of an alias. Its other members are not.
    [Fact]
    public Task AnIndexerOfAResultReadsTheBufferItHolds() => Verify.AnalyzerAsync("""
        class C
        {
            async Task<int> M(byte[] buf)
            {
                var r = await Frames.ReadAsync(buf);
                buf = r.Buffer;
                var pending = Frames.ReadAsync(buf);
                int first = {|UR0006:r|}[0];
                int n = r.Result;
                buf = (await pending).Buffer;
                return first + n + r[1];
            }
        }

        readonly struct Frame
        {
            public Frame(int result, byte[] buffer) { Result = result; Buffer = buffer; }
            public int Result { get; }
            public byte[] Buffer { get; }
            public byte this[int index] => Buffer[index];
        }

        static class Frames
        {
            public static ValueTask<Frame> ReadAsync([UringSafe.Lends] byte[] buffer) => new(new Frame(0, buffer));
        }
        """);

    // A result whose Buffer is the result itself (`Buffer => this`): after `buf = r.Buffer`, r is the buffer too, and
    // any member of it is read from the lent buffer. A result of another type (IoResult) is not the buffer.
    [Fact]
    public Task AResultThatIsItsOwnBufferIsAnAliasOfIt() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(Block buf)
            {
                var r = await Blocks.ReadAsync(buf);
                buf = r.Buffer;
                var pending = Blocks.ReadAsync(buf);
                Sink.Use({|UR0006:r|}.Data);
                int n = {|UR0006:r|}.Result;
                (_, buf) = await pending;
            }

            async Task Other(UringFile f, byte[] buf)
            {
                var r = await f.ReadAtAsync(buf, 0);
                buf = r.Buffer;
                var pending = f.ReadAtAsync(buf, 0);
                int n = r.Result;
                (_, buf) = await pending;
            }
        }

        sealed class Block
        {
            public byte[] Data = new byte[16];
            public int Result => Data.Length;
            public Block Buffer => this;
            public void Deconstruct(out int result, out Block buffer) { result = Result; buffer = this; }
        }

        static class Blocks
        {
            public static ValueTask<Block> ReadAsync([UringSafe.Lends] Block block) => new(block);
        }
        """);
}
