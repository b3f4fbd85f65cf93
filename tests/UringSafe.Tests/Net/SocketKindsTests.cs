using System.Net;
using System.Net.Sockets;
using System.Text;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Net;

namespace UringSafe.Tests.Net;

public class SocketKindsTests
{
    [Fact]
    public void UdpSendToAndReceiveFrom()
    {
        NetRuntime.Run(async () =>
        {
            using var a = UringUdpSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            using var b = UringUdpSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            IoBuffer rx = IoBuffer.Allocate(1500);
            var receive = b.ReceiveFromAsync(rx);

            IoBuffer tx = IoBuffer.CopyFrom("datagram!"u8);
            int sent;
            (sent, tx) = await a.SendToAsync(tx, b.LocalEndPoint);
            Assert.Equal(9, sent);

            var (n, buffer, from) = await receive;
            rx = buffer;
            Assert.Equal(9, n);
            Assert.Equal("datagram!", Encoding.ASCII.GetString(rx.Span));
            Assert.Equal(a.LocalEndPoint, from);

            // And back the other way, to the address we learned.
            tx.Write("pong"u8);
            (_, tx) = await b.SendToAsync(tx, from!);
            (n, rx, from) = await a.ReceiveFromAsync(rx);
            Assert.Equal("pong", Encoding.ASCII.GetString(rx.Span));
            Assert.Equal(b.LocalEndPoint, from);
            rx.Dispose();
            tx.Dispose();
        });
    }

    [Fact]
    public void UnixSocketRoundTrip()
    {
        string path = Path.Combine(Path.GetTempPath(), $"uringsafe-{Guid.NewGuid():N}.sock");
        NetRuntime.Run(async () =>
        {
            await using (var listener = await UringUnixListener.BindAsync(path))
            {
                Assert.True(File.Exists(path));
                var accept = listener.AcceptAsync();
                await using var client = await UringUnixStream.ConnectAsync(path);
                await using var server = await accept;
                Task echo = TcpTests.EchoUntilEof(server);

                IoBuffer buf = IoBuffer.CopyFrom("over a unix socket"u8);
                int n;
                (n, buf) = await client.WriteAllAsync(buf);
                (n, buf) = await client.ReadAsync(buf);
                Assert.Equal("over a unix socket", Encoding.ASCII.GetString(buf.Span));
                await client.ShutdownAsync(SocketShutdown.Send);
                await echo;
                buf.Dispose();
            }
            Assert.False(File.Exists(path));
        });
    }

    [Fact]
    public void AbstractUnixSocketRoundTrip()
    {
        NetRuntime.Run(async () =>
        {
            string name = "@uringsafe-" + Guid.NewGuid().ToString("N");
            await using var listener = await UringUnixListener.BindAsync(name);
            var accept = listener.AcceptAsync();
            await using var client = await UringUnixStream.ConnectAsync(name);
            await using var server = await accept;
            byte[] data = "abstract"u8.ToArray();
            (_, data) = await client.WriteAllAsync(data);
            byte[] back = new byte[16];
            int n;
            (n, back) = await server.ReadAsync(back);
            Assert.Equal("abstract", Encoding.ASCII.GetString(back, 0, n));
        });
    }

    [Fact]
    public void SendZcHandsBufferBackOnlyAfterNotification()
    {
        NetRuntime.Run(async () =>
        {
            using var listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var accept = listener.AcceptAsync();
            using var client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
            using var server = await accept;

            const int Size = 256 * 1024;
            IoBuffer buf = IoBuffer.Allocate(Size);
            for (int i = 0; i < Size; i++)
                buf.FullSpan[i] = (byte)(i * 7);
            buf.Length = Size;

            var send = client.SendZcAsync(buf);
#pragma warning disable UR0001 // deliberate: the test reads the runtime's own "lent" flag while the kernel holds the buffer
            Assert.True(buf.IsLent); // the kernel may be reading it straight from our memory
#pragma warning restore UR0001

            // Drain the peer concurrently so the zero-copy send can finish (and its notification arrive).
            byte[] got = new byte[Size];
            int total = 0;
            while (total < Size)
            {
                Memory<byte> rest = got.AsMemory(total);
                int r;
                (r, rest) = await server.ReadAsync(rest);
                Assert.True(r > 0);
                total += r;
            }
            int n;
            (n, buf) = await send;
            Assert.False(buf.IsLent);   // back only after IORING_CQE_F_NOTIF
            Assert.Equal(Size, n);
            for (int i = 0; i < Size; i++)
                Assert.Equal((byte)(i * 7), got[i]);
            buf.Dispose();
        });
    }
}
