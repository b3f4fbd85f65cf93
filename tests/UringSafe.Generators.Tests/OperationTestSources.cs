namespace UringSafe.Generators.Tests;

/// <summary>
/// Source text for the <c>[UringOperation]</c> generator: a stub of the runtime contract (same names and shapes as
/// UringSafe's Async/Buffers types) that logs what the generated operations do, and sample declarations.
/// </summary>
internal static class OperationTestSources
{
    /// <summary>The runtime contract. The reactor runs an operation synchronously and logs every lend, release and SQE.</summary>
    public const string Stubs = """
        #pragma warning disable CS1591
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;

        namespace UringSafe
        {
            [AttributeUsage(AttributeTargets.Parameter, Inherited = true, AllowMultiple = false)]
            public sealed class LendsAttribute : Attribute { }
        }

        namespace UringSafe.Abi
        {
            public struct Sqe
            {
                public byte Opcode;
                public int Fd;
                public ulong Off;
                public ulong Addr;
                public uint Len;
                public uint OpFlags;
                public ulong UserData;
            }

            [Flags]
            public enum CqeFlags : uint { None = 0, More = 2 }
        }

        namespace UringSafe.Raw
        {
            public sealed class Ring { }
        }

        namespace UringSafe.Buffers
        {
            using UringSafe.Raw;

            public sealed class IoBuffer
            {
                public IoBuffer(int capacity, int length) { Capacity = capacity; Length = length; }
                public int Capacity { get; }
                public int Length { get; set; }
                public bool IsLent { get; set; }
            }

            public readonly struct LentRegion
            {
                internal LentRegion(nint address, int length, int capacity, int fixedIndex)
                {
                    Address = address; Length = length; Capacity = capacity; FixedIndex = fixedIndex;
                }
                public nint Address { get; }
                public int Length { get; }
                public int Capacity { get; }
                public int FixedIndex { get; }
                public bool IsFixed => FixedIndex >= 0;
            }

            public struct BufferLease
            {
                internal BufferLease(LentRegion region) => Region = region;
                public LentRegion Region { get; }
            }

            public readonly struct IoResult<TBuffer>
            {
                public IoResult(int result, TBuffer buffer) { Result = result; Buffer = buffer; }
                public int Result { get; }
                public TBuffer Buffer { get; }
                public void Deconstruct(out int result, out TBuffer buffer) { result = Result; buffer = Buffer; }
            }

            public static class BufferLending
            {
                public static readonly List<string> Log = new();

                public static BufferLease Lend(IoBuffer buffer, Ring ring)
                {
                    ArgumentNullException.ThrowIfNull(buffer);
                    if (buffer.IsLent) throw new InvalidOperationException("already lent");
                    buffer.IsLent = true;
                    Log.Add($"lend IoBuffer {buffer.Length}/{buffer.Capacity}");
                    return new BufferLease(new LentRegion(0x1000, buffer.Length, buffer.Capacity, -1));
                }

                public static BufferLease Lend(byte[] buffer, Ring ring)
                {
                    Log.Add($"lend byte[{buffer.Length}]");
                    return new BufferLease(new LentRegion(0x2000, buffer.Length, buffer.Length, -1));
                }

                public static BufferLease Lend(Memory<byte> buffer, Ring ring)
                {
                    Log.Add($"lend Memory({buffer.Length})");
                    return new BufferLease(new LentRegion(0x3000, buffer.Length, buffer.Length, -1));
                }

                public static BufferLease Lend(ReadOnlyMemory<byte> buffer, Ring ring)
                {
                    Log.Add($"lend ReadOnlyMemory({buffer.Length})");
                    return new BufferLease(new LentRegion(0x4000, buffer.Length, buffer.Length, -1));
                }

                public static void Release(IoBuffer buffer, ref BufferLease lease, int filled)
                {
                    buffer.IsLent = false;
                    if (filled >= 0) buffer.Length = filled;
                    Log.Add($"release IoBuffer {filled}");
                }

                public static void Release(byte[] buffer, ref BufferLease lease, int filled) => Log.Add($"release byte[] {filled}");
                public static void Release(Memory<byte> buffer, ref BufferLease lease, int filled) => Log.Add($"release Memory {filled}");
                public static void Release(ReadOnlyMemory<byte> buffer, ref BufferLease lease, int filled) => Log.Add($"release ReadOnlyMemory {filled}");

                public static string Describe(IoBuffer buffer) => $"IoBuffer, {buffer.Capacity} B";
                public static string Describe(byte[] buffer) => $"byte[], {buffer.Length} B";
                public static string Describe(Memory<byte> buffer) => $"Memory<byte>, {buffer.Length} B";
                public static string Describe(ReadOnlyMemory<byte> buffer) => $"ReadOnlyMemory<byte>, {buffer.Length} B";
            }
        }

        namespace UringSafe.Async
        {
            using UringSafe.Abi;
            using UringSafe.Buffers;
            using UringSafe.Raw;

            public readonly struct OperationContext
            {
                internal OperationContext(Ring ring, nint scratch) { Ring = ring; Scratch = scratch; }
                public Ring Ring { get; }
                public nint Scratch { get; }
            }

            public interface IUringOperation<TResult>
            {
                void Prepare(ref Sqe sqe, in OperationContext context);
                TResult Complete(int result, CqeFlags flags);
                object? Release(int result);
                Exception? MapError(int errno, string operation, int fd, object? buffer) => null;
                bool TryContinue(int result) => false;
                string? DescribeBuffer() => null;
            }

            public interface IResubmittingOperation { }

            [AttributeUsage(AttributeTargets.Method, Inherited = false)]
            public sealed class UringOperationAttribute : Attribute
            {
                public UringOperationAttribute(string prepareMethod) => PrepareMethod = prepareMethod;
                public string PrepareMethod { get; }
                public bool FillsBuffer { get; set; }
                public bool TransfersAll { get; set; }
                public string? ErrorMapper { get; set; }
            }

            public sealed class UringOperationFailedException : Exception
            {
                public UringOperationFailedException(int result, object? buffer) : base("failed: " + result) => Buffer = buffer;
                public object? Buffer { get; }
            }

            /// <summary>Runs an operation at once: prepare, then complete with <see cref="NextResult"/> (or release on a negative one).</summary>
            public sealed class UringReactor
            {
                private readonly Ring _ring = new();

                public static UringReactor Current { get; } = new();

                public static int NextResult { get; set; }

                public ValueTask<TResult> Execute<TOp, TResult>(in TOp operation, CancellationToken cancellationToken = default, TimeSpan timeout = default)
                    where TOp : struct, IUringOperation<TResult>
                {
                    TOp op = operation;
                    Sqe sqe = default;
                    op.Prepare(ref sqe, new OperationContext(_ring, 0x7000));
                    BufferLending.Log.Add($"sqe op={sqe.Opcode} fd={sqe.Fd} addr=0x{sqe.Addr:x} len={sqe.Len} off={sqe.Off} flags={sqe.OpFlags} token={cancellationToken.CanBeCanceled} timeout={timeout.TotalMilliseconds}ms");
                    if (NextResult < 0)
                    {
                        object? buffer = op.Release(NextResult);
                        Exception error = op.MapError(-NextResult, "Op" + sqe.Opcode, sqe.Fd, buffer) ?? new UringOperationFailedException(NextResult, buffer);
                        return ValueTask.FromException<TResult>(error);
                    }
                    // Like the kernel, a round transfers at most what the SQE asked for; a short one may be resubmitted.
                    int result = op is IResubmittingOperation ? Math.Min(NextResult, (int)sqe.Len) : NextResult;
                    while (result > 0 && op is IResubmittingOperation && op.TryContinue(result))
                    {
                        sqe = default;
                        op.Prepare(ref sqe, new OperationContext(_ring, 0x7000));
                        BufferLending.Log.Add($"resubmit addr=0x{sqe.Addr:x} len={sqe.Len} off={sqe.Off}");
                        result = Math.Min(NextResult, (int)sqe.Len);
                    }
                    try
                    {
                        return new ValueTask<TResult>(op.Complete(result, CqeFlags.None));
                    }
                    catch (Exception e)
                    {
                        return ValueTask.FromException<TResult>(e);
                    }
                }
            }
        }
        """;

    /// <summary>
    /// One declaration per supported shape: IoBuffer (fills), byte[], Memory, ReadOnlyMemory, a static prepare in a
    /// static class, a prepare taking the OperationContext, a timeout, a nested type in the global namespace, a struct owner,
    /// an error mapper.
    /// </summary>
    public const string Declarations = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using UringSafe;
        using UringSafe.Abi;
        using UringSafe.Async;
        using UringSafe.Buffers;

        namespace Sample.Io
        {
            /// <summary>A device read and written with lend-and-return operations.</summary>
            public sealed partial class Device
            {
                private readonly int _fd;

                /// <summary>Wraps a descriptor.</summary>
                /// <param name="fd">The descriptor.</param>
                public Device(int fd) => _fd = fd;

                /// <summary>Reads into an IoBuffer; its length becomes the count.</summary>
                /// <param name="buffer">The buffer.</param>
                /// <param name="offset">The offset.</param>
                /// <param name="cancellationToken">Cancels the read.</param>
                /// <returns>The count and the buffer.</returns>
                [UringOperation(nameof(PrepareRead), FillsBuffer = true)]
                public partial ValueTask<IoResult<IoBuffer>> ReadAsync([Lends] IoBuffer buffer, long offset, CancellationToken cancellationToken = default);

                /// <summary>Reads into an array.</summary>
                /// <param name="buffer">The buffer.</param>
                /// <param name="offset">The offset.</param>
                /// <param name="cancellationToken">Cancels the read.</param>
                /// <returns>The count and the buffer.</returns>
                [UringOperation(nameof(PrepareRead))]
                public partial ValueTask<IoResult<byte[]>> ReadAsync([Lends] byte[] buffer, long offset, CancellationToken cancellationToken = default);

                /// <summary>Reads into memory.</summary>
                /// <param name="buffer">The buffer.</param>
                /// <param name="offset">The offset.</param>
                /// <param name="cancellationToken">Cancels the read.</param>
                /// <returns>The count and the buffer.</returns>
                [UringOperation(nameof(PrepareRead))]
                internal partial ValueTask<IoResult<Memory<byte>>> ReadAsync([Lends] Memory<byte> buffer, long offset, CancellationToken cancellationToken = default);

                /// <summary>Writes read-only memory.</summary>
                /// <param name="buffer">The buffer.</param>
                /// <param name="offset">The offset.</param>
                /// <param name="cancellationToken">Cancels the write.</param>
                /// <returns>The count and the buffer.</returns>
                [UringOperation(nameof(PrepareWrite))]
                public partial ValueTask<IoResult<ReadOnlyMemory<byte>>> WriteAsync([Lends] ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken = default);

                /// <summary>Sends with flags, using the operation's scratch area, under a timeout.</summary>
                /// <param name="buffer">The buffer.</param>
                /// <param name="flags">MSG_* flags.</param>
                /// <param name="timeout">Cancels the send after this long.</param>
                /// <param name="cancellationToken">Cancels the send.</param>
                /// <returns>The count and the buffer.</returns>
                [UringOperation(nameof(PrepareSend))]
                public partial ValueTask<IoResult<IoBuffer>> SendAsync([Lends] IoBuffer buffer, int flags, TimeSpan timeout, CancellationToken cancellationToken = default);

                private Sqe PrepareRead(in LentRegion buffer, long offset)
                    => new Sqe { Opcode = 22, Fd = _fd, Addr = (ulong)buffer.Address, Len = (uint)buffer.Capacity, Off = (ulong)offset };

                private Sqe PrepareWrite(LentRegion buffer, long offset)
                    => new Sqe { Opcode = 23, Fd = _fd, Addr = (ulong)buffer.Address, Len = (uint)buffer.Length, Off = (ulong)offset };

                private Sqe PrepareSend(in LentRegion buffer, int flags, in OperationContext context)
                    => new Sqe { Opcode = 26, Fd = _fd, Addr = (ulong)buffer.Address, Len = (uint)buffer.Length, Off = (ulong)context.Scratch, OpFlags = (uint)flags };
            }

            /// <summary>A socket whose errors become <see cref="SocketFailure"/>s.</summary>
            public abstract partial class Socket
            {
                /// <summary>The descriptor.</summary>
                protected int Fd { get; set; } = 9;

                /// <summary>Receives into an IoBuffer; errors go through the mapper.</summary>
                /// <param name="buffer">The buffer.</param>
                /// <param name="cancellationToken">Cancels the receive.</param>
                /// <returns>The count and the buffer.</returns>
                [UringOperation(nameof(PrepareRecv), FillsBuffer = true, ErrorMapper = nameof(MapSocketError))]
                public partial ValueTask<IoResult<IoBuffer>> RecvAsync([Lends] IoBuffer buffer, CancellationToken cancellationToken = default);

                private Sqe PrepareRecv(in LentRegion buffer)
                    => new Sqe { Opcode = 27, Fd = Fd, Addr = (ulong)buffer.Address, Len = (uint)buffer.Capacity };

                /// <summary>Sends every byte of the buffer, resubmitting after short sends.</summary>
                /// <param name="buffer">The buffer.</param>
                /// <param name="flags">MSG_* flags.</param>
                /// <param name="cancellationToken">Cancels the send.</param>
                /// <returns>The total and the buffer.</returns>
                [UringOperation(nameof(PrepareSendRest), TransfersAll = true, ErrorMapper = nameof(MapSocketError))]
                public partial ValueTask<IoResult<IoBuffer>> SendAllAsync([Lends] IoBuffer buffer, int flags, CancellationToken cancellationToken = default);

                private Sqe PrepareSendRest(in LentRegion buffer, int progress, int flags)
                    => new Sqe { Opcode = 26, Fd = Fd, Addr = (ulong)(buffer.Address + progress), Len = (uint)(buffer.Length - progress), OpFlags = (uint)flags };

                private static SocketFailure MapSocketError(int errno, string operation, int fd, object? buffer)
                    => new SocketFailure($"{operation} on {fd}: errno {errno}", buffer);
            }

            /// <summary>What <see cref="Socket"/> throws.</summary>
            public sealed class SocketFailure : Exception
            {
                /// <summary>Creates the exception.</summary>
                /// <param name="message">The message.</param>
                /// <param name="buffer">The buffer handed back.</param>
                public SocketFailure(string message, object? buffer) : base(message) => Buffer = buffer;

                /// <summary>The buffer handed back.</summary>
                public object? Buffer { get; }
            }

            /// <summary>A socket to probe.</summary>
            public sealed class TestSocket : Socket
            {
            }

            /// <summary>Standard output, written with a static prepare method.</summary>
            public static partial class Stdout
            {
                /// <summary>Writes the buffer's bytes to fd 1.</summary>
                /// <param name="buffer">The buffer.</param>
                /// <param name="event">A keyword-named parameter.</param>
                /// <returns>The count and the buffer.</returns>
                [UringOperation(nameof(PrepareWrite))]
                public static partial ValueTask<IoResult<IoBuffer>> WriteAsync([Lends] IoBuffer buffer, int @event);

                private static Sqe PrepareWrite(in LentRegion buffer, int @event)
                    => new Sqe { Opcode = 23, Fd = 1, Addr = (ulong)buffer.Address, Len = (uint)buffer.Length, OpFlags = (uint)@event };
            }
        }

        /// <summary>A type in the global namespace.</summary>
        public partial struct Channel
        {
            /// <summary>The descriptor.</summary>
            public int Fd;

            /// <summary>A nested type.</summary>
            internal sealed partial class Pipe
            {
                /// <summary>Receives into an array; a static prepare serves an instance method.</summary>
                /// <param name="buffer">The buffer.</param>
                /// <param name="fd">The descriptor.</param>
                /// <param name="cancellationToken">Cancels the receive.</param>
                /// <returns>The count and the buffer.</returns>
                [UringOperation(nameof(PrepareRecv))]
                public partial ValueTask<IoResult<byte[]>> RecvAsync(int fd, [Lends] byte[] buffer, CancellationToken cancellationToken);

                private static Sqe PrepareRecv(LentRegion buffer, int fd)
                    => new Sqe { Opcode = 27, Fd = fd, Addr = (ulong)buffer.Address, Len = (uint)buffer.Capacity };
            }
        }
        """;

    /// <summary>Runs each sample operation against the stub reactor and returns the log.</summary>
    public const string Probe = """
        #pragma warning disable CS1591
        using System;
        using System.Threading;
        using UringSafe.Async;
        using UringSafe.Buffers;
        using Sample.Io;

        public static class Probe
        {
            public static string Run()
            {
                var device = new Device(5);
                var log = BufferLending.Log;

                UringReactor.NextResult = 7;
                var (n, buf) = device.ReadAsync(new IoBuffer(16, 3), 100).Result;
                log.Add($"=> {n}, length {buf.Length}, lent {buf.IsLent}");

                UringReactor.NextResult = 4;
                var (n2, array) = device.ReadAsync(new byte[8], 0, new CancellationTokenSource().Token).Result;
                log.Add($"=> {n2}, byte[{array.Length}]");

                var (n3, memory) = device.ReadAsync(new Memory<byte>(new byte[6]), 1).Result;
                log.Add($"=> {n3}, Memory({memory.Length})");

                var (n4, rom) = device.WriteAsync(new ReadOnlyMemory<byte>(new byte[5]), 2).Result;
                log.Add($"=> {n4}, ReadOnlyMemory({rom.Length})");

                UringReactor.NextResult = 9;
                var (n5, sent) = device.SendAsync(new IoBuffer(32, 12), 64, TimeSpan.FromMilliseconds(250)).Result;
                log.Add($"=> {n5}, length {sent.Length}");

                var (n6, written) = Stdout.WriteAsync(new IoBuffer(8, 8), 3).Result;
                log.Add($"=> {n6}, length {written.Length}");

                var (n7, received) = new Channel.Pipe().RecvAsync(11, new byte[4], default).Result;
                log.Add($"=> {n7}, byte[{received.Length}]");

                UringReactor.NextResult = -5;
                var failing = new IoBuffer(16, 2);
                try
                {
                    _ = device.ReadAsync(failing, 0).GetAwaiter().GetResult();
                }
                catch (UringOperationFailedException f)
                {
                    log.Add($"=> {f.Message}, same buffer {ReferenceEquals(f.Buffer, failing)}, length {failing.Length}, lent {failing.IsLent}");
                }

                var socket = new TestSocket();
                UringReactor.NextResult = 5;
                var (n8, got) = socket.RecvAsync(new IoBuffer(32, 0)).Result;
                log.Add($"=> {n8}, length {got.Length}, lent {got.IsLent}");

                UringReactor.NextResult = -104;
                var reset = new IoBuffer(32, 4);
                try
                {
                    _ = socket.RecvAsync(reset).GetAwaiter().GetResult();
                }
                catch (SocketFailure f)
                {
                    log.Add($"=> mapped: {f.Message}, same buffer {ReferenceEquals(f.Buffer, reset)}, length {reset.Length}, lent {reset.IsLent}");
                }

                UringReactor.NextResult = 5;
                var (n9, all) = socket.SendAllAsync(new IoBuffer(32, 12), 64).Result;
                log.Add($"=> {n9}, length {all.Length}, lent {all.IsLent}");

                UringReactor.NextResult = 0;
                var stalled = new IoBuffer(32, 3);
                try
                {
                    _ = socket.SendAllAsync(stalled, 0).GetAwaiter().GetResult();
                }
                catch (SocketFailure f)
                {
                    log.Add($"=> mapped: {f.Message}, same buffer {ReferenceEquals(f.Buffer, stalled)}, lent {stalled.IsLent}");
                }

                return string.Join("\n", log);
            }
        }
        """;
}
