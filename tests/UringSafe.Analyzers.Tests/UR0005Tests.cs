namespace UringSafe.Analyzers.Tests;

public class UR0005Tests
{
    [Fact]
    public Task StackallocPointerReturnedInFlight() => Verify.AnalyzerAsync("""
        unsafe class C
        {
            ValueTask<int> M(UringFile f)
            {
                byte* p = stackalloc byte[64];
                return f.ReadRawAsync({|UR0005:p|}, 64);
            }
        }
        """);

    [Fact]
    public Task AddressOfLocalStoredInFlight() => Verify.AnalyzerAsync("""
        unsafe class C
        {
            private ValueTask<int> _pending;

            void M(UringFile f)
            {
                long value = 0;
                _pending = f.ReadNativeAsync((nint)({|UR0005:&value|}), sizeof(long));
            }
        }
        """);

    // With UR0007 on too: UR0005 is the one finding (the parameter needs no [Lends] for memory pinned in the method).

    [Fact]
    public Task FixedPointerEscapesFixedBlock() => Verify.ContractAsync("""
        unsafe class C
        {
            ValueTask<int> M(UringFile f, byte[] array)
            {
                ValueTask<int> task;
                fixed (byte* p = array)
                {
                    task = f.ReadRawAsync({|UR0005:p|}, array.Length);
                }

                return task;
            }
        }
        """);

    [Fact]
    public Task CompletedInsideFixedIsFine() => Verify.AnalyzerAsync("""
        unsafe class C
        {
            int M(UringFile f, byte[] array)
            {
                fixed (byte* p = array)
                {
                    return f.ReadRawAsync(p, array.Length).GetAwaiter().GetResult();
                }
            }
        }
        """);

    [Fact]
    public Task StackMemoryCompletedBeforeReturnIsFine() => Verify.AnalyzerAsync("""
        unsafe class C
        {
            int M(UringFile f)
            {
                byte* p = stackalloc byte[64];
                var task = f.ReadRawAsync(p, 64);
                return task.GetAwaiter().GetResult();
            }
        }
        """);

    [Fact]
    public Task NativeMemoryIsFine() => Verify.AnalyzerAsync("""
        unsafe class C
        {
            ValueTask<int> M(UringFile f)
            {
                byte* p = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc(64);
                return f.ReadRawAsync(p, 64);
            }
        }
        """);

    // The address of a field of a local (or by-value parameter) struct is stack memory too.

    [Fact]
    public Task AddressOfAFieldOfALocalStructStoredInFlight() => Verify.AnalyzerAsync("""
        struct Header { public int Magic; public Inner Inner; }
        struct Inner { public long Value; }

        unsafe class C
        {
            private ValueTask<int> _pending;

            void Field(UringFile f)
            {
                Header header = default;
                _pending = f.ReadNativeAsync((nint)({|UR0005:&header.Magic|}), sizeof(int));
            }

            ValueTask<int> Nested(UringFile f)
            {
                Header header = default;
                return f.ReadRawAsync((byte*){|UR0005:&header.Inner.Value|}, sizeof(long));
            }

            ValueTask<int> Parameter(UringFile f, Header header) =>
                f.ReadRawAsync((byte*){|UR0005:&header.Magic|}, sizeof(int));
        }
        """);

    [Fact]
    public Task AddressOfAFieldOfALocalStructAwaitedInScopeIsFine() => Verify.AnalyzerAsync("""
        struct Header { public int Magic; }

        unsafe class C
        {
            int M(UringFile f)
            {
                Header header = default;
                f.ReadRawAsync((byte*)&header.Magic, sizeof(int)).GetAwaiter().GetResult();
                return header.Magic;
            }
        }
        """);
}

