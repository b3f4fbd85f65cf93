namespace UringSafe.Analyzers.Tests;

/// <summary>A stand-in for the runtime API: lending methods marked with [Lends].</summary>
internal static class TestApi
{
    public const string Source = """
        namespace UringSafe
        {
            [System.AttributeUsage(System.AttributeTargets.Parameter)]
            public sealed class LendsAttribute : System.Attribute { }
        }

        namespace Lib
        {
            using System;
            using System.Threading.Tasks;
            using UringSafe;

            public readonly struct IoResult<T>
            {
                public IoResult(int result, T buffer) { Result = result; Buffer = buffer; }
                public int Result { get; }
                public T Buffer { get; }
                public void Deconstruct(out int result, out T buffer) { result = Result; buffer = Buffer; }
            }

            public sealed class Filled<T>
            {
                public Filled(T buffer) { Buffer = buffer; }
                public T Buffer { get; }
            }

            public sealed class UringFile
            {
                public ValueTask<IoResult<byte[]>> ReadAtAsync([Lends] byte[] buffer, long offset) => new(new IoResult<byte[]>(0, buffer));
                public Task<IoResult<byte[]>> WriteAtAsync([Lends] byte[] buffer, long offset) => Task.FromResult(new IoResult<byte[]>(0, buffer));
                public ValueTask<IoResult<Memory<byte>>> ReadMemoryAsync([Lends] Memory<byte> buffer) => new(new IoResult<Memory<byte>>(0, buffer));
                public Task<(int Result, byte[] Buffer)> ReadTupleAsync([Lends] byte[] buffer) => Task.FromResult((0, buffer));
                public Task<Filled<byte[]>> FillAsync([Lends] byte[] buffer) => Task.FromResult(new Filled<byte[]>(buffer));
                public unsafe ValueTask<int> ReadRawAsync([Lends] byte* buffer, int length) => new(0);
                public ValueTask<int> ReadNativeAsync([Lends] nint buffer, int length) => new(0);
                public ValueTask<IoResult<byte[]>> PlainReadAsync(byte[] buffer, long offset) => new(new IoResult<byte[]>(0, buffer));
            }

            public sealed class Connection
            {
                public byte[] Buffer = new byte[16];
                public UringFile File = new UringFile();
            }

            public static class Pool
            {
                public static byte[] Rent() => new byte[16];
                public static void Return(byte[] buffer) { }
            }

            public static class Sink
            {
                public static void Use(byte[] buffer) { }
                public static void Use(ReadOnlySpan<byte> span) { }
                public static void Use(Memory<byte> memory) { }
                public static void Keep(ValueTask<IoResult<byte[]>> task) { }
            }
        }
        """;

    /// <summary>A disposable buffer type and a [Lends] operation on it, appended to a test's source.</summary>
    public const string DisposableBuffer = """

        sealed class Buf : IDisposable
        {
            public byte[] Data = new byte[16];
            public void Dispose() { }
        }

        static class Ops
        {
            public static ValueTask<IoResult<Buf>> ReadAsync([UringSafe.Lends] Buf buffer) => new(new IoResult<Buf>(0, buffer));
        }
        """;

    /// <summary>A collection whose GetEnumerator and GetAsyncEnumerator lend it, appended to a test's source.</summary>
    public const string LendingRing = """

        sealed class Ring
        {
            public byte[] Data = new byte[16];
        }

        sealed class RingAsyncEnumerator
        {
            public int Current => 0;
            public ValueTask<bool> MoveNextAsync() => new(false);
        }

        sealed class RingEnumerator
        {
            public int Current => 0;
            public bool MoveNext() => false;
        }

        static class RingExtensions
        {
            public static RingEnumerator GetEnumerator([UringSafe.Lends] this Ring ring) => new RingEnumerator();
            public static RingAsyncEnumerator GetAsyncEnumerator([UringSafe.Lends] this Ring ring) => new RingAsyncEnumerator();
        }
        """;
}
