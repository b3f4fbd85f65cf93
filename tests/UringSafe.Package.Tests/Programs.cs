namespace UringSafe.Package.Tests;

/// <summary>The consumer programs the package tests build.</summary>
internal static class Programs
{
    /// <summary>
    /// Declares its own [UringOperation] (so the generator from the package must run) and reads a file with
    /// lend-and-return through UringFile and through that operation. Prints two lines.
    /// </summary>
    public const string Correct = """
        using System.Text;
        using UringSafe;
        using UringSafe.Abi;
        using UringSafe.Async;
        using UringSafe.Buffers;
        using UringSafe.Files;
        using UringSafe.Raw.Ops;

        string path = args[0];
        UringRuntime.Run(async () =>
        {
            await using UringFile file = await UringFile.OpenAsync(path);

            IoBuffer buf = IoBuffer.Allocate(4096);
            int n;
            (n, buf) = await file.ReadAtAsync(buf, 0);
            Console.WriteLine($"ReadAtAsync: {n} bytes: {Encoding.ASCII.GetString(buf.Span)}");
            buf.Dispose();

            var reader = new PositionalReader(file.Fd);
            byte[] word = new byte[5];
            (n, word) = await reader.ReadAtAsync(word, 10);
            Console.WriteLine($"PositionalReader: {n} bytes: {Encoding.ASCII.GetString(word, 0, n)}");
        });

        /// <summary>A user-declared lend-and-return operation: IORING_OP_READ at an offset.</summary>
        public sealed partial class PositionalReader(int fd)
        {
            [UringOperation(nameof(PrepareRead))]
            public partial ValueTask<IoResult<byte[]>> ReadAtAsync([Lends] byte[] buffer, long offset, CancellationToken cancellationToken = default);

            private Sqe PrepareRead(in LentRegion buffer, long offset)
                => new Read(fd, buffer.Address, (uint)buffer.Capacity).Offset((ulong)offset).Build();
        }
        """;

    /// <summary>Reads a buffer's Length while the kernel owns it (UR0001), and nothing else wrong.</summary>
    public const string UsesLentBuffer = """
        using UringSafe.Async;
        using UringSafe.Buffers;
        using UringSafe.Files;

        UringRuntime.Run(async () =>
        {
            await using UringFile file = await UringFile.OpenAsync(args[0]);
            IoBuffer buf = IoBuffer.Allocate(4096);
            ValueTask<IoResult<IoBuffer>> pending = file.ReadAtAsync(buf, 0);
            Console.WriteLine(buf.Length);
            int n;
            (n, buf) = await pending;
            Console.WriteLine(n);
            buf.Dispose();
        });
        """;

    /// <summary>Awaits a read and drops the buffer in its result (UR0002, a warning by design), and nothing else wrong.</summary>
    public const string DropsReturnedBuffer = """
        using UringSafe.Async;
        using UringSafe.Buffers;
        using UringSafe.Files;

        UringRuntime.Run(async () =>
        {
            await using UringFile file = await UringFile.OpenAsync(args[0]);
            IoBuffer buf = IoBuffer.Allocate(4096);
            await file.ReadAtAsync(buf, 0);
        });
        """;

    /// <summary>
    /// Keeps operations in flight for `uringsafe dump`/`top`: a multishot accept (armed on the listener) and a receive on
    /// the accepted connection, with call sites; prints "ready PID", then blocks its reactor (the main thread, under
    /// UringRuntime.Run) until stdin closes, so the stall report fires meanwhile; then closes the client and exits cleanly.
    /// </summary>
    public const string InFlight = """
        using System.Net;
        using UringSafe.Async;
        using UringSafe.Buffers;
        using UringSafe.Net;

        UringRuntime.Run(async () =>
        {
            using UringTcpListener listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            await using UringTcpStream client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
            await using UringTcpStream server = await listener.AcceptAsync();
            IoBuffer buf = IoBuffer.Allocate(4096);
            var read = server.ReadAsync(buf);
            Console.WriteLine($"ready {Environment.ProcessId}");
            Console.Out.Flush();
        #pragma warning disable UR0008 // blocks the reactor on purpose: the stall report names its thread
            Console.In.ReadToEnd();
        #pragma warning restore UR0008
            await client.CloseAsync();
            int n;
            (n, buf) = await read;
            Console.WriteLine($"read {n} bytes after the client closed");
            buf.Dispose();
        }, new ReactorOptions { CaptureCallSites = true });
        """;
}
