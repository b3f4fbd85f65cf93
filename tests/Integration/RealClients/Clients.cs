using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace RealClients;

/// <summary>
/// The clients realclients.sh needs that no installed tool plays (<c>RealClients client MODE ...</c> prints one line and
/// exits 0 on pass, 1 on fail), bounded in count and time. tests/UringSafe.AspNetCore.Tests runs them too (the fast
/// subset in CI): each check throws on a failure and returns what it saw.
///   pipeline HOST PORT DEPTH ROUNDS       DEPTH GETs in one write, DEPTH responses back, ROUNDS times on one connection
///   ws URL MESSAGES MAXBYTES              ClientWebSocket echo, sizes cycling 1 B .. MAXBYTES, every byte checked
///   slowloris HOST PORT CONNS SECONDS     CONNS connections trickle headers; all must be dropped within SECONDS while
///                                         fresh GETs keep answering in under 3 s
///   flood HOST PORT CONNS                 CONNS keep-alive connections at once, each gets a response; then half
///                                         reset, half closed
/// </summary>
internal static class ClientChecks
{
    private static readonly byte[] s_get = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray();
    private static readonly byte[] s_hello = "Hello, World!"u8.ToArray();

    /// <summary>The command line: runs one check, prints "ok ..." or "FAIL ...", returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            string seen = args[0] switch
            {
                "pipeline" => await PipelineAsync(args[1], Int(args[2]), Int(args[3]), Int(args[4])),
                "ws" => await WebSocketEchoAsync(new Uri(args[1]), Int(args[2]), Int(args[3])),
                "slowloris" => SlowlorisVerdict(await SlowlorisAsync(args[1], Int(args[2]), Int(args[3]), TimeSpan.FromSeconds(Int(args[4])))),
                "flood" => await FloodAsync(args[1], Int(args[2]), Int(args[3])),
                _ => throw new ArgumentException($"unknown client {args[0]}"),
            };
            Console.WriteLine($"ok {args[0]}: {seen}");
            return 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.WriteLine($"FAIL {args[0]}: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    /// <summary>The script's bar for slowloris: fresh requests meanwhile answer within 3 s (stock does at once; the bar
    /// leaves room for a busy machine, a server whose reactors the trickles block would miss it by far).</summary>
    private static string SlowlorisVerdict(SlowlorisResult r)
        => r.SlowestProbe < TimeSpan.FromSeconds(3) ? r.ToString() : throw new TimeoutException($"a fresh GET took {r.SlowestProbe.TotalMilliseconds:F0} ms: {r}");

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private static async Task<Socket> ConnectAsync(string host, int port, CancellationToken ct)
    {
        IPAddress address = IPAddress.Parse(host);
        var s = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await s.ConnectAsync(new IPEndPoint(address, port), ct);
        return s;
    }

    /// <summary>Reads until <paramref name="count"/> response bodies ("Hello, World!") have arrived.</summary>
    private static async Task ReadResponsesAsync(Socket s, int count, CancellationToken ct)
    {
        byte[] buffer = new byte[64 * 1024];
        int seen = 0, carry = 0;
        while (seen < count)
        {
            int n = await s.ReceiveAsync(buffer.AsMemory(carry), SocketFlags.None, ct);
            if (n == 0)
                throw new IOException($"the server closed the connection after {seen} of {count} responses");
            int end = carry + n;
            int i = 0, at;
            while ((at = buffer.AsSpan(i, end - i).IndexOf(s_hello)) >= 0)
            {
                seen++;
                i += at + s_hello.Length;
            }
            // Keep a tail that may hold the start of a split marker.
            carry = Math.Min(s_hello.Length - 1, end - i);
            buffer.AsSpan(end - carry, carry).CopyTo(buffer);
        }
    }

    /// <summary><paramref name="rounds"/> times: <paramref name="depth"/> GETs in one write, then all their responses.</summary>
    public static async Task<string> PipelineAsync(string host, int port, int depth, int rounds)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        byte[] batch = new byte[s_get.Length * depth];
        for (int i = 0; i < depth; i++)
            s_get.CopyTo(batch, i * s_get.Length);
        using Socket s = await ConnectAsync(host, port, cts.Token);
        var sw = Stopwatch.StartNew();
        for (int r = 0; r < rounds; r++)
        {
            await s.SendAsync(batch, SocketFlags.None, cts.Token);
            await ReadResponsesAsync(s, depth, cts.Token);
        }
        return $"{rounds} x {depth} pipelined requests on one connection in {sw.Elapsed.TotalSeconds:F2} s";
    }

    /// <summary>Echoes <paramref name="messages"/> binary messages of 1 B, 10 B, ... up to <paramref name="maxBytes"/>
    /// (over and over) through <c>/ws</c> and checks every byte.</summary>
    public static async Task<string> WebSocketEchoAsync(Uri url, int messages, int maxBytes)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(url, cts.Token);
        var random = new Random(42);
        byte[] received = new byte[maxBytes];
        long total = 0;
        int sizes = (int)Math.Log10(maxBytes) + 2;
        for (int m = 0; m < messages; m++)
        {
            int size = (int)Math.Min(maxBytes, Math.Pow(10, m % sizes));
            byte[] message = new byte[size];
            random.NextBytes(message);
            // Send and receive at once: a large message is echoed while it is still being sent.
            Task send = ws.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, cts.Token);
            int got = 0;
            while (true)
            {
                ValueWebSocketReceiveResult r = await ws.ReceiveAsync(received.AsMemory(got), cts.Token);
                if (r.MessageType == WebSocketMessageType.Close)
                    throw new IOException($"the server closed the WebSocket at message {m}");
                got += r.Count;
                if (r.EndOfMessage)
                    break;
            }
            await send;
            if (!received.AsSpan(0, got).SequenceEqual(message))
                throw new IOException($"message {m} ({size} B) came back as {got} different bytes");
            total += size;
        }
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
        return $"{messages} messages ({total} B, 1 B to {maxBytes} B) echoed intact";
    }

    /// <summary>What <see cref="SlowlorisAsync"/> saw.</summary>
    public readonly record struct SlowlorisResult(int Connections, TimeSpan LastDropped, int Probes, TimeSpan SlowestProbe)
    {
        public override string ToString()
            => $"{Connections} trickling connections dropped by {LastDropped.TotalSeconds:F1} s; {Probes} fresh GETs meanwhile, slowest {SlowestProbe.TotalMilliseconds:F0} ms";
    }

    /// <summary>
    /// <paramref name="conns"/> connections send a request line and then one header byte every 500 ms; the server must
    /// drop them all (its request-headers timeout) within <paramref name="limit"/>, while fresh GETs keep being answered.
    /// </summary>
    public static async Task<SlowlorisResult> SlowlorisAsync(string host, int port, int conns, TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        var sw = Stopwatch.StartNew();
        Task<TimeSpan>[] trickles = Enumerable.Range(0, conns).Select(async _ =>
        {
            using Socket s = await ConnectAsync(host, port, cts.Token);
            await s.SendAsync("GET /plaintext HTTP/1.1\r\nHost: localhost\r\n"u8.ToArray(), SocketFlags.None, cts.Token);
            Task<int> closed = s.ReceiveAsync(new byte[4096], SocketFlags.None, cts.Token).AsTask();
            byte[] header = "X-Slow: 1\r\n"u8.ToArray();
            for (int i = 0; !closed.IsCompleted; i++)
            {
                try
                {
                    await s.SendAsync(header.AsMemory(i % header.Length, 1), SocketFlags.None, cts.Token);
                }
                catch (SocketException)
                {
                    break; // reset by the server: dropped
                }
                await Task.WhenAny(closed, Task.Delay(500, cts.Token));
            }
            try
            {
                await closed; // a 408 and FIN, or a reset
            }
            catch (SocketException)
            {
            }
            return sw.Elapsed;
        }).ToArray();
        TimeSpan slowest = TimeSpan.Zero;
        int probes = 0;
        Task all = Task.WhenAll(trickles);
        while (!all.IsCompleted && !cts.IsCancellationRequested)
        {
            var probe = Stopwatch.StartNew();
            using (Socket s = await ConnectAsync(host, port, cts.Token))
            {
                await s.SendAsync(s_get, SocketFlags.None, cts.Token);
                await ReadResponsesAsync(s, 1, cts.Token);
            }
            slowest = probe.Elapsed > slowest ? probe.Elapsed : slowest;
            probes++;
            await Task.WhenAny(all, Task.Delay(250, CancellationToken.None));
        }
        try
        {
            await all;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{trickles.Count(t => !t.IsCompletedSuccessfully)} of {conns} trickling connections still open after {limit.TotalSeconds} s");
        }
        return new SlowlorisResult(conns, trickles.Max(t => t.Result), probes, slowest);
    }

    /// <summary><paramref name="conns"/> keep-alive connections open at once (in waves under the listen backlog), each
    /// sends a GET and gets its response; then half are reset and half closed.</summary>
    public static async Task<string> FloodAsync(string host, int port, int conns)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var sw = Stopwatch.StartNew();
        var sockets = new List<Socket>(conns);
        try
        {
            for (int opened = 0; opened < conns;)
            {
                int wave = Math.Min(256, conns - opened);
                Socket[] batch = await Task.WhenAll(Enumerable.Range(0, wave).Select(_ => ConnectAsync(host, port, cts.Token)));
                sockets.AddRange(batch);
                opened += wave;
            }
            double connected = sw.Elapsed.TotalSeconds;
            await Task.WhenAll(sockets.Select(async s =>
            {
                await s.SendAsync(s_get, SocketFlags.None, cts.Token);
                await ReadResponsesAsync(s, 1, cts.Token);
            }));
            double answered = sw.Elapsed.TotalSeconds;
            for (int i = 0; i < sockets.Count; i += 2)
                sockets[i].LingerState = new LingerOption(true, 0); // RST on close
            return $"{conns} connections open at once in {connected:F1} s, all answered by {answered:F1} s; half reset, half closed";
        }
        finally
        {
            foreach (Socket s in sockets)
                s.Dispose();
        }
    }
}
