using System.Diagnostics;
using System.Net;
using UringSafe.Async;
using UringSafe.Net;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Net;

/// <summary>
/// Tens of thousands of connections on one reactor, as the seed article promises: multishot receive over a provided-
/// buffer ring (idle connections hold no buffer), zero-copy echo from the ring, no cap on operations in flight. The
/// clients run in a child process (tests/…/Clients/echo_clients.py), since this process's RLIMIT_NOFILE holds the
/// server side.
/// </summary>
[Collection(FdCountCollection.Name)]
public class ScaleTests
{
    private static readonly string ClientScript = Path.Combine(AppContext.BaseDirectory, "Net", "Clients", "echo_clients.py");

    [Fact]
    public void Ten_thousand_connections_on_one_reactor_all_echo_and_everything_comes_back()
    {
        const int Connections = 10_000;
        WarmUpProcessMachinery();
        Dictionary<string, int> before = Fds.OpenFdTargets();
        string? report = null;
        int peakOpen = 0, leasedAfter = -1, inFlightAfter = -1;
        long exhaustions = 0;

        RunWithWatchdog(TimeSpan.FromSeconds(150), "10,000 connections", () => NetRuntime.Run(async () =>
        {
            UringReactor reactor = UringReactor.Current;
            var pool = new ProvidedBufferPool(4096, 256, 4096);
            var listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), new UringListenerOptions { Backlog = 4096, MaxPendingAccepts = 1024 });
            var server = new EchoServer(pool);
            Task accepting = server.AcceptLoop(listener);

            using Process client = StartClient(listener.LocalEndPoint.Port, Connections, 100, 120);
            report = await client.StandardOutput.ReadLineAsync();
            peakOpen = server.Open; // the client holds every connection open until all were verified
            client.StandardInput.Close();
            await client.WaitForExitAsync();

            for (int i = 0; i < 1000 && server.Open > 0; i++)
                await reactor.Delay(TimeSpan.FromMilliseconds(10));
            await listener.DisposeAsync();
            await accepting;
            leasedAfter = pool.Leased;
            exhaustions = pool.Exhaustions;
            pool.Dispose();
            inFlightAfter = reactor.InFlight;
        }));

        Assert.NotNull(report);
        Assert.StartsWith($"verified={Connections} failed=0", report);
        Assert.True(peakOpen == Connections, $"{peakOpen} of {Connections} connections were open at once on the server ({report})");
        Assert.True(leasedAfter == 0, $"{leasedAfter} provided buffers still leased");
        Assert.True(inFlightAfter == 0, $"{inFlightAfter} operations still in flight");
        Fds.AssertSameFds(before, Fds.OpenFdTargets());
        _ = exhaustions;
    }

    /// <summary>A small provided-buffer ring that can't grow: receives run it dry (ENOBUFS) again and again, wait for
    /// buffers to come back, and still every byte of every connection is echoed.</summary>
    [Fact]
    public void Enobufs_recovery_loses_nothing()
    {
        const int Connections = 200;
        WarmUpProcessMachinery();
        string? report = null;
        long exhaustions = 0;
        int leasedAfter = -1;

        RunWithWatchdog(TimeSpan.FromSeconds(90), "ENOBUFS recovery", () => NetRuntime.Run(async () =>
        {
            var pool = new ProvidedBufferPool(1024, 4); // 4 KiB for 200 connections sending 16 KiB each
            var listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), new UringListenerOptions { Backlog = 1024 });
            var server = new EchoServer(pool) { HoldEachLease = TimeSpan.FromMilliseconds(1) };
            Task accepting = server.AcceptLoop(listener);
            using Process client = StartClient(listener.LocalEndPoint.Port, Connections, 16 * 1024, 60);
            report = await client.StandardOutput.ReadLineAsync();
            client.StandardInput.Close();
            await client.WaitForExitAsync();
            for (int i = 0; i < 1000 && server.Open > 0; i++)
                await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(10));
            await listener.DisposeAsync();
            await accepting;
            exhaustions = pool.Exhaustions;
            leasedAfter = pool.Leased;
            pool.Dispose();
        }));

        Assert.StartsWith($"verified={Connections} failed=0", report);
        Assert.True(exhaustions > 0, "the ring never ran dry: the test did not exercise ENOBUFS");
        Assert.Equal(0, leasedAfter);
    }

    private sealed class EchoServer(ProvidedBufferPool pool)
    {
        public int Open;

        public TimeSpan HoldEachLease { get; init; }

        public async Task AcceptLoop(UringTcpListener listener)
        {
            while (true)
            {
                UringTcpStream stream;
                try
                {
                    stream = await listener.AcceptAsync();
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                Open++;
                _ = Handle(stream);
            }
        }

        private async Task Handle(UringTcpStream stream)
        {
            try
            {
                while (true)
                {
                    ReceivedBuffer lease = await stream.ReceiveAsync(pool);
                    if (lease.IsEndOfStream)
                        break;
                    if (HoldEachLease > TimeSpan.Zero)
                        await UringReactor.Current.Delay(HoldEachLease); // keep the ring short of buffers
                    try
                    {
                        (_, lease) = await stream.WriteAllAsync(lease);
                    }
                    catch (UringSocketException e)
                    {
                        ((ReceivedBuffer)e.Buffer!).Return();
                        throw;
                    }
                    lease.Return();
                }
            }
            catch (UringSocketException)
            {
                // the client reset the connection
            }
            await stream.CloseAsync();
            Open--;
        }
    }

    private static Process StartClient(int port, int connections, int messageSize, int seconds)
    {
        var psi = new ProcessStartInfo("python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { ClientScript, "127.0.0.1", port.ToString(), connections.ToString(), messageSize.ToString(), seconds.ToString() })
            psi.ArgumentList.Add(a);
        try
        {
            return Process.Start(psi) ?? throw new InvalidOperationException("python3 did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("The scale tests run their clients with python3 (Debian's /usr/bin/python3); it could not be started: " + e.Message, e);
        }
    }

    /// <summary>The first Process start opens fds the runtime keeps (its SIGCHLD machinery): open them before a baseline.</summary>
    private static void WarmUpProcessMachinery()
    {
        var psi = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("pass");
        using Process p = Process.Start(psi)!;
        p.WaitForExit();
    }

    private static void RunWithWatchdog(TimeSpan limit, string what, Action body)
    {
        Task run = Task.Factory.StartNew(body, TaskCreationOptions.LongRunning);
        if (!run.Wait(limit))
            Assert.Fail($"{what} did not finish within {limit.TotalSeconds:0} s (hang)");
        run.GetAwaiter().GetResult();
    }
}
