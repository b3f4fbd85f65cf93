using System.Net.Sockets;
using System.Net;
using System.Text;
using HttpPlaintext;
using UringSafe.Tests.Support;

namespace UringSafe.AspNetCore.Tests;

[CollectionDefinition(nameof(AllocationCollection), DisableParallelization = true)]
public sealed class AllocationCollection
{
}

/// <summary>Steady-state allocation of the HttpPlaintext server (alone: the count is process-wide).</summary>
[Collection(nameof(AllocationCollection))]
public class HttpPlaintextAllocationTests
{
    [Fact]
    public void Keep_alive_requests_allocate_nothing_in_steady_state()
    {
        using PlaintextServer server = PlaintextServer.Start(new IPEndPoint(IPAddress.Loopback, 0), threads: 1, pinToCores: false);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(server.EndPoint);
        byte[] request = Encoding.ASCII.GetBytes("GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n" + "GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n");
        int responseLength = new Responses().Plaintext.Length * 2; // two pipelined requests per send; the Date is fixed-width
        byte[] buffer = new byte[4096];

        void RoundTrips(int n)
        {
            for (int i = 0; i < n; i++)
            {
                socket.Send(request);
                int got = 0;
                while (got < responseLength)
                {
                    int r = socket.Receive(buffer, got, buffer.Length - got, SocketFlags.None);
                    Assert.True(r > 0, "the server closed the connection");
                    got += r;
                }
            }
        }

        RoundTrips(3000); // JIT tiering, pools filled
        Thread.Sleep(200);
        RoundTrips(2000);
        const int N = 5000;
        long client = 0;
        long allocated = SteadyStateAllocation.Least(() =>
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            long clientBefore = GC.GetAllocatedBytesForCurrentThread();
            RoundTrips(N);
            client = GC.GetAllocatedBytesForCurrentThread() - clientBefore;
            // The server's share: the whole process minus this (client) thread.
            return GC.GetTotalAllocatedBytes(precise: true) - before - client;
        });
        // A few stray bytes (timers, tiering) are tolerated, not per-request objects.
        Assert.True(allocated < N * 2 * 8, $"server: {allocated} bytes allocated for {N * 2} requests ({(double)allocated / (N * 2):0.00} B/request); client thread: {client} B");
    }
}
