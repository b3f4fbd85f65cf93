using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using UringSafe.Async;
using UringSafe.Net;

namespace UringSafe.Tests.Net;

public class AdapterTests
{
    [Fact]
    public void NetworkStreamRoundTrip()
    {
        NetRuntime.Run(async () =>
        {
            using var listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var accept = listener.AcceptAsync();
            await using var clientStream = new UringNetworkStream(await UringTcpStream.ConnectAsync(listener.LocalEndPoint));
            await using var serverStream = new UringNetworkStream(await accept);

            var writer = new StreamWriter(clientStream, new UTF8Encoding(false)) { AutoFlush = true };
            await writer.WriteLineAsync("line one");
            await writer.WriteLineAsync("line two");
            var reader = new StreamReader(serverStream);
            Assert.Equal("line one", await reader.ReadLineAsync());
            Assert.Equal("line two", await reader.ReadLineAsync());

            // Bulk data through CopyToAsync-style reads.
            byte[] blob = new byte[100_000];
            Random.Shared.NextBytes(blob);
            int blobLength = blob.Length;
            Task writeTask = serverStream.WriteAsync(blob).AsTask();
            var received = new MemoryStream();
            byte[] chunk = new byte[8192];
            while (received.Length < blobLength)
            {
                int n = await clientStream.ReadAsync(chunk);
                Assert.True(n > 0);
                received.Write(chunk, 0, n);
            }
            await writeTask;
            Assert.Equal(blob, received.ToArray());
            Assert.Throws<NotSupportedException>(() => clientStream.Read(chunk, 0, 1));
        });
    }

    [Fact]
    public void DuplexPipeRoundTrip()
    {
        NetRuntime.Run(async () =>
        {
            using var listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var accept = listener.AcceptAsync();
            await using var client = new UringDuplexPipe(await UringTcpStream.ConnectAsync(listener.LocalEndPoint));
            await using var server = new UringDuplexPipe(await accept);

            // Server: echo everything until the client completes its output.
            Task echo = Echo(server);

            byte[] message = new byte[50_000];
            Random.Shared.NextBytes(message);
            await client.Output.WriteAsync(message);
            await client.Output.CompleteAsync(); // FIN

            var all = new ArrayBufferWriter<byte>();
            while (true)
            {
                ReadResult r = await client.Input.ReadAsync();
                foreach (ReadOnlyMemory<byte> seg in r.Buffer)
                    all.Write(seg.Span);
                client.Input.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted)
                    break;
            }
            await echo;
            Assert.Equal(message, all.WrittenSpan.ToArray());
        });

        static async Task Echo(IDuplexPipe pipe)
        {
            while (true)
            {
                ReadResult r = await pipe.Input.ReadAsync();
                foreach (ReadOnlyMemory<byte> seg in r.Buffer)
                    await pipe.Output.WriteAsync(seg);
                pipe.Input.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted)
                    break;
            }
            await pipe.Output.CompleteAsync();
        }
    }
}
