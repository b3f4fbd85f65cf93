using System.Buffers;
using System.Net;
using System.Net.Sockets;
using UringSafe.Async;
using UringSafe.Net;
using UringSafe.Tests.Support;

namespace UringSafe.AspNetCore.Tests;

/// <summary><see cref="OutputSender"/> on a real socket: gather lists longer than one sendmsg covers, empty segments,
/// inline and on the ring.</summary>
public class OutputSenderTests
{
    [Fact]
    public void Sends_a_sequence_of_many_segments_inline_and_on_the_ring_in_order()
    {
        Watchdog.Run("OutputSender", async () =>
        {
            UringReactor reactor = UringReactor.Current;
            using UringTcpListener listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            peer.Connect(listener.LocalEndPoint); // loopback: completes from the backlog, no accept needed yet
            UringTcpStream stream = await listener.AcceptAsync();
            try
            {
                var sender = new OutputSender(stream, reactor);
                // 3 x MaxSegments + 5 segments of odd sizes, some empty: more than one sendmsg each way.
                ReadOnlySequence<byte> data = Segments(SendVector.MaxSegments * 3 + 5, out byte[] expected);

                Assert.Equal(data.Length, sender.SendNonBlocking(data));
                Assert.Equal(expected, Receive(peer, expected.Length));

                ReadOnlySequence<byte> rest = data;
                while (!rest.IsEmpty)
                    rest = rest.Slice(await sender.SendOnRingAsync(rest));
                Assert.Equal(expected, Receive(peer, expected.Length));
            }
            finally
            {
                await stream.CloseAsync();
            }
        }, limit: TimeSpan.FromSeconds(30));
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
