using System.Buffers;
using System.Net;
using System.Net.Sockets;
using UringSafe.Async;
using UringSafe.Net;
using UringSafe.Tests.Support;

namespace UringSafe.AspNetCore.Tests;

/// <summary><see cref="OutputSender"/> on a real socket: gather lists longer than one sendmsg covers, empty segments;
/// every send holds the socket's owner (issue 24: no send names a bare number).</summary>
public class OutputSenderTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public void Sends_a_sequence_of_many_segments_in_order() => OnConnection("OutputSender", async (_, peer, stream, sender) =>
    {
        // 3 x MaxSegments + 5 segments of odd sizes, some empty: more than one sendmsg.
        ReadOnlySequence<byte> rest = Segments(SendVector.MaxSegments * 3 + 5, out byte[] expected);
        while (!rest.IsEmpty)
            rest = rest.Slice(OutputSender.Accepted(await sender.SendAsync(rest)));
        Assert.Equal(expected, Receive(peer, expected.Length));
    });

    [Fact]
    public void A_send_after_the_socket_closed_is_refused_and_never_reaches_a_socket_that_reused_the_number()
        => OnConnection("OutputSender after close", async (listener, _, stream, sender) =>
        {
            await stream.CloseAsync();
            // The lowest free number is taken next: a new connection's socket most likely gets the closed one.
            using var otherPeer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await otherPeer.ConnectAsync(listener.LocalEndPoint); // completes from the backlog
            UringTcpStream other = await listener.AcceptAsync();
            try
            {
                await Assert.ThrowsAsync<DescriptorClosedException>(async () => await sender.SendAsync(Segments(3, out byte[] bytes)));
                Assert.Equal(0, otherPeer.Available); // loopback: a send that got out would be there by now
            }
            finally
            {
                await other.CloseAsync();
            }
        });

    [Fact]
    public void A_send_in_flight_holds_the_socket_so_the_close_waits_for_its_completion()
        => OnConnection("OutputSender holds the owner", async (_, _, stream, sender) =>
        {
            ValueTask<int> send = sender.SendAsync(new ReadOnlySequence<byte>(new byte[64 * 1024]));
            Assert.Equal(1, stream.SharedFd.References); // submitted: the send holds the owner until its final completion
            Task closing = stream.CloseAsync().AsTask();
            Assert.False(stream.SharedFd.IsClosed, "the number was closed under a send that still names it");
            try
            {
                Assert.True(await send > 0); // it completed before the close's cancel reached it
            }
            catch (Exception e) when (e is OperationCanceledException or UringSocketException)
            {
                // or the close cancelled it
            }
            await closing;
            Assert.True(stream.SharedFd.IsClosed);
            Assert.Equal(0, stream.SharedFd.References);
        });

    /// <summary>Runs <paramref name="test"/> on a reactor with an accepted loopback connection, its peer and a sender.</summary>
    private static void OnConnection(string name, Func<UringTcpListener, Socket, UringTcpStream, OutputSender, Task> test)
    {
        Watchdog.Run(name, async () =>
        {
            using UringTcpListener listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await peer.ConnectAsync(listener.LocalEndPoint); // loopback: completes from the backlog, no accept needed yet
            UringTcpStream stream = await listener.AcceptAsync();
            try
            {
                await test(listener, peer, stream, new OutputSender(stream, UringReactor.Current));
            }
            finally
            {
                await stream.CloseAsync();
            }
        }, limit: Limit);
    }

    private static ReadOnlySequence<byte> Segments(int count, out byte[] all)
    {
        var bytes = new List<byte>();
        Segment? first = null, last = null;
        for (int i = 0; i < count; i++)
        {
            int size = i % 7 == 3 ? 0 : 100 + i * 37;
            byte[] chunk = new byte[size];
            for (int j = 0; j < size; j++)
                chunk[j] = (byte)(bytes.Count + j + i);
            bytes.AddRange(chunk);
            var s = new Segment(chunk);
            if (last is null)
                first = s;
            else
                last.Append(s);
            last = s;
        }
        all = bytes.ToArray();
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private static byte[] Receive(Socket socket, int length)
    {
        byte[] buffer = new byte[length];
        int got = 0;
        socket.ReceiveTimeout = 20_000;
        while (got < length)
        {
            int n = socket.Receive(buffer, got, length - got, SocketFlags.None);
            Assert.True(n > 0, $"the connection closed after {got} of {length} bytes");
            got += n;
        }
        return buffer;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data) => Memory = data;

        public void Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }
}
