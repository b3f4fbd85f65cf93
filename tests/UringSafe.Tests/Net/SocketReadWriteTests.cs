using System.Net;
using System.Net.Sockets;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Net;

namespace UringSafe.Tests.Net;

/// <summary>
/// The single-shot ReadAsync/WriteAsync overloads, generated from [UringOperation] declarations with
/// ErrorMapper = MapSocketError: every buffer kind round-trips, errors are <see cref="UringSocketException"/>s carrying
/// the very buffer back, and cancellation stays <see cref="UringOperationCanceledException"/>.
/// </summary>
public class SocketReadWriteTests
{
    private static readonly IPEndPoint AnyLoopback = new(IPAddress.Loopback, 0);

    private static async Task<(UringTcpListener Listener, UringTcpStream Client, UringTcpStream Server)> Connect()
    {
        var listener = UringTcpListener.Bind(AnyLoopback);
        Task<UringTcpStream> accept = listener.AcceptAsync().AsTask();
        var client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
        return (listener, client, await accept);
    }

    [Fact]
    public void ArrayAndMemoryOverloadsRoundTrip()
    {
        NetRuntime.Run(async () =>
        {
            var (listener, client, server) = await Connect();
            using (listener)
            using (client)
            using (server)
            {
                byte[] sent = [1, 2, 3, 4, 5];
                int n;
                (n, sent) = await client.WriteAsync(sent);
                Assert.Equal(5, n);
                byte[] received = new byte[16];
                (n, received) = await server.ReadAsync(received);
                Assert.Equal(5, n);
                Assert.Equal(sent, received[..5]);

                ReadOnlyMemory<byte> rom = new byte[] { 9, 8, 7 };
                (n, rom) = await server.WriteAsync(rom);
                Assert.Equal(3, n);
                Memory<byte> memory = new byte[8];
                (n, memory) = await client.ReadAsync(memory);
                Assert.Equal(3, n);
                Assert.Equal(rom.ToArray(), memory[..3].ToArray());
            }
        });
    }

    [Fact]
    public void ArrayReadAfterPeerResetThrowsUringSocketExceptionWithTheArray()
    {
        NetRuntime.Run(async () =>
        {
            var (listener, client, server) = await Connect();
            using (listener)
            using (server)
            {
                byte[] buffer = new byte[64];
                var read = server.ReadAsync(buffer);
                await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(20));
                client.SetLingerZero();
                client.Dispose(); // RST
                var e = await Assert.ThrowsAsync<UringSocketException>(async () => await read);
                Assert.Equal(Errno.ECONNRESET, e.Errno);
                Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
                Assert.Equal("Recv", e.Operation);
#pragma warning disable UR0001 // deliberate: compares the reference that came back with the one lent; no memory is touched
                Assert.Same(buffer, e.Buffer);
#pragma warning restore UR0001
            }
        });
    }

    [Fact]
    public void MemoryWriteToResetPeerThrowsUringSocketExceptionWithTheMemory()
    {
        NetRuntime.Run(async () =>
        {
            var (listener, client, server) = await Connect();
            using (listener)
            using (server)
            {
                client.SetLingerZero();
                client.Dispose();
                await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(20));
                byte[] backing = new byte[64];
                ReadOnlyMemory<byte> memory = backing;
                var e = await Assert.ThrowsAsync<UringSocketException>(async () =>
                {
                    for (int i = 0; i < 10; i++)
                        (_, memory) = await server.WriteAsync(memory); // MSG_NOSIGNAL: EPIPE, not SIGPIPE
                });
                Assert.Contains(e.Errno, new[] { Errno.EPIPE, Errno.ECONNRESET });
                Assert.Equal("Send", e.Operation);
                var back = Assert.IsType<ReadOnlyMemory<byte>>(e.Buffer);
                Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(back, out var segment));
                Assert.Same(backing, segment.Array);
            }
        });
    }

    [Fact]
    public void CancelledReadIsOperationCanceledWithTheBufferBack()
    {
        NetRuntime.Run(async () =>
        {
            var (listener, client, server) = await Connect();
            using (listener)
            using (client)
            using (server)
            {
                IoBuffer buf = IoBuffer.Allocate(128);
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
                var e = await Assert.ThrowsAsync<UringOperationCanceledException>(async () => (_, buf) = await server.ReadAsync(buf, cts.Token));
                buf = Assert.IsType<IoBuffer>(e.Buffer);
                Assert.False(buf.IsLent);

                // The stream still works after the cancelled read.
                int n;
                buf.Length = 0;
                IoBuffer tx = IoBuffer.CopyFrom("ok"u8);
                (n, tx) = await client.WriteAsync(tx);
                Assert.Equal(2, n);
                (n, buf) = await server.ReadAsync(buf);
                Assert.Equal(2, n);
                Assert.Equal(2, buf.Length);
                tx.Dispose();
                buf.Dispose();
            }
        });
    }

    [Fact]
    public void ReadOnAClosedStreamThrowsObjectDisposedAndLeavesTheBufferOwned()
    {
        NetRuntime.Run(async () =>
        {
            var (listener, client, server) = await Connect();
            using (listener)
            using (client)
            {
                server.Dispose();
                IoBuffer buf = IoBuffer.Allocate(16);
                ValueTask<IoResult<IoBuffer>> read = server.ReadAsync(buf); // refused without a synchronous throw
                try
                {
                    (_, buf) = await read;
                    Assert.Fail("a read on a closed stream completed");
                }
                catch (DescriptorClosedException e)
                {
                    Assert.IsAssignableFrom<ObjectDisposedException>(e);
                    buf = ReturnedBuffer.From<IoBuffer>(e)!;
                }
                Assert.False(buf.IsLent);
                buf.Dispose();
            }
        });
    }
}
