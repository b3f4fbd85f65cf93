using System.Net;
using System.Net.Sockets;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Files;
using UringSafe.Net;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Conventions;

/// <summary>
/// Errors whose errno alone leaves a user guessing say what to check or do: a refused connect, an address in use, a
/// write to a read-only /proc file, a disposed executor.
/// </summary>
public sealed class ErrorHintTests
{
    private static readonly IPEndPoint Loopback0 = new(IPAddress.Loopback, 0);

    [Fact]
    public void A_refused_connect_says_nothing_listens_and_what_to_check()
    {
        // A bound, not listening, socket holds the port: a connect to it is refused, and no other test can take the port.
        using var bound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        bound.Bind(Loopback0);
        var closed = (IPEndPoint)bound.LocalEndPoint!;
        Watchdog.Run("refused connect", async () =>
        {
            var e = await Assert.ThrowsAsync<UringSocketException>(async () => await UringTcpStream.ConnectAsync(closed));
            Assert.Equal(SocketErrors.ECONNREFUSED, e.Errno);
            Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
            Assert.Contains(closed.ToString(), e.Message);
            Assert.Contains("Nothing listens on that address and port: is the server up, and is the port right?", e.Message);
        });
    }

    public static TheoryData<bool> BindKinds => new() { false, true };

    [Theory]
    [MemberData(nameof(BindKinds))]
    public void An_address_in_use_names_port_0_ReusePort_and_ss(bool async)
    {
        using var other = new TcpListener(Loopback0);   // "another server" on the port
        other.Start();
        var taken = (IPEndPoint)other.LocalEndpoint;
        Watchdog.Run("address in use", async () =>
        {
            var e = await Assert.ThrowsAsync<UringSocketException>(async () =>
            {
                using UringTcpListener listener = async ? await UringTcpListener.BindAsync(taken) : UringTcpListener.Bind(taken);
            });
            Assert.Equal(SocketErrors.EADDRINUSE, e.Errno);
            Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
            Assert.Contains("`ss -ltnp`", e.Message);
            Assert.Contains("Bind port 0", e.Message);
            Assert.Contains("UringListenerOptions.ReusePort", e.Message);
        });
    }

    [Fact]
    public void A_write_to_a_read_only_proc_file_says_the_kernel_answers_EIO_there()
    {
        if (Environment.UserName != "root")
            return; // only root may open /proc/version for writing (mode 0444); anyone else gets EACCES at the open
        Watchdog.Run("write to /proc/version", async () =>
        {
            await using UringFile file = await UringFile.OpenAsync("/proc/version", OpenFlags.WriteOnly);
            IoBuffer buf = IoBuffer.CopyFrom("x"u8);
            var e = await Assert.ThrowsAsync<UringException>(async () => (_, buf) = await file.WriteAtAsync(buf, 0));
            ReturnedBuffer.From<IoBuffer>(e)!.Dispose();
            Assert.Equal(Errno.EIO, e.Errno);
            Assert.Contains("/proc/version (opened WriteOnly)", e.Message);
            Assert.Contains("/proc/version is a read-only /proc file: the kernel answers EIO to any write to it", e.Message);
        });
    }

    [Fact]
    public void A_disposed_executor_says_its_reactors_stopped_and_what_to_do()
    {
        var executor = new UringExecutor(1);
        executor.Dispose();
        // Spawn throws synchronously (the argument of ThrowsAny is an Action: no task is ever made).
        var e = Assert.Throws<ObjectDisposedException>(() => { _ = executor.Spawn(0, () => Task.CompletedTask); });
        Assert.Equal(nameof(UringExecutor), e.ObjectName); // not the namespace-qualified type name
        Assert.Contains("This UringExecutor was disposed: its reactors have stopped and take no new work", e.Message);
        Assert.Contains("Spawn before disposing the executor", e.Message);
    }
}
