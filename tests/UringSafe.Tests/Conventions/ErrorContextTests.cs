using System.Net;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Files;
using UringSafe.Net;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Conventions;

/// <summary>
/// Errors say what failed: file operations name the path and how the file was opened (with the fix when it was opened
/// for the other direction), socket operations name the local and remote endpoints.
/// </summary>
public sealed class ErrorContextTests : IDisposable
{
    private static readonly IPEndPoint Loopback0 = new(IPAddress.Loopback, 0);
    private readonly string _dir = Directory.CreateTempSubdirectory("uringsafe-errors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_write_to_a_file_opened_read_only_names_the_file_the_mode_and_the_fix()
    {
        string path = Path.Combine(_dir, "read-only.txt");
        File.WriteAllText(path, "data");
        Watchdog.Run("write to a read-only file", async () =>
        {
            await using UringFile file = await UringFile.OpenAsync(path); // read-only: OpenAsync's default
            IoBuffer buf = IoBuffer.CopyFrom("more"u8);
            var e = await Assert.ThrowsAsync<UringException>(async () => (_, buf) = await file.WriteAtAsync(buf, 0));
            Assert.Equal(Errno.EBADF, e.Errno);
            Assert.Equal($"{path} (opened ReadOnly)", e.Target);
            Assert.Contains(path, e.Message);
            Assert.Contains("opened ReadOnly", e.Message);
            Assert.Contains($"fd {e.Fd}", e.Message);
            Assert.Contains("OpenFlags.ReadWrite", e.Message); // the fix, instead of the errno's generic advice
            ReturnedBuffer.From<IoBuffer>(e)!.Dispose();
        });
    }

    [Fact]
    public void A_read_from_a_file_opened_write_only_says_so()
    {
        string path = Path.Combine(_dir, "write-only.txt");
        File.WriteAllText(path, "data");
        Watchdog.Run("read from a write-only file", async () =>
        {
            await using UringFile file = await UringFile.OpenAsync(path, OpenFlags.WriteOnly);
            byte[] into = new byte[4];
            var e = await Assert.ThrowsAsync<UringException>(async () => (_, into) = await file.ReadAtAsync(into, 0));
            Assert.Contains($"{path} (opened WriteOnly)", e.Message);
            Assert.Contains("opened write-only", e.Message);
        });
    }

    [Fact]
    public void A_refused_connect_names_the_endpoint()
    {
        Watchdog.Run("refused connect", async () =>
        {
            IPEndPoint closed;
            using (var listener = UringTcpListener.Bind(Loopback0))
                closed = listener.LocalEndPoint;
            await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(20)); // the port is free once the close completed
            var e = await Assert.ThrowsAsync<UringSocketException>(async () => await UringTcpStream.ConnectAsync(closed));
            Assert.Equal(SocketErrors.ECONNREFUSED, e.Errno);
            Assert.Contains(closed.ToString(), e.Message);
            Assert.Contains(closed.ToString(), e.Target);
        });
    }

    public static TheoryData<bool> ReceiveKinds => new() { false, true };

    [Theory]
    [MemberData(nameof(ReceiveKinds))]
    public void A_reset_connection_names_the_local_and_remote_endpoints(bool providedBuffers)
    {
        Watchdog.Run("reset connection", async () =>
        {
            using var listener = UringTcpListener.Bind(Loopback0);
            Task<UringTcpStream> accept = listener.AcceptAsync().AsTask();
            var client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
            using UringTcpStream server = await accept;
            EndPoint clientSide = client.LocalEndPoint!;
            client.SetLingerZero();
            client.Dispose(); // RST
            await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(20));

            UringSocketException e;
            if (providedBuffers)
            {
                using var pool = new ProvidedBufferPool(64, 4); // the multishot receive: the other completion source
                e = await Assert.ThrowsAsync<UringSocketException>(async () => await server.ReceiveAsync(pool));
            }
            else
            {
                byte[] into = new byte[16];
                e = await Assert.ThrowsAsync<UringSocketException>(async () => (_, into) = await server.ReadAsync(into));
            }
            Assert.Equal(SocketErrors.ECONNRESET, e.Errno);
            Assert.Contains($"local {listener.LocalEndPoint}", e.Message);
            Assert.Contains($"remote {clientSide}", e.Message);
        });
    }

    [Fact]
    public void A_closed_socket_names_itself_in_the_refusal()
    {
        Watchdog.Run("closed udp socket", async () =>
        {
            var udp = UringUdpSocket.Bind(Loopback0);
            IPEndPoint local = udp.LocalEndPoint;
            udp.Dispose();
            IoBuffer buf = IoBuffer.Allocate(16);
            var e = await Assert.ThrowsAsync<DescriptorClosedException>(async () => (_, buf) = await udp.ReceiveFromAsync(buf));
            buf = Assert.IsType<IoBuffer>(e.Buffer);
            buf.Dispose();
            Assert.Contains(local.ToString(), e.Message);
        });
    }
}
