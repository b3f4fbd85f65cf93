using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace UringSafe.Tests.Net;

/// <summary>
/// A real fd limit: the EchoServer sample runs as a child process under <c>ulimit -n 96</c>, and a client opens more
/// connections than it can hold. Accepts fail with EMFILE; the listener backs off, keeps serving the connections it
/// has, reports the episode once, and serves the waiting connections once fds free up.
/// </summary>
public class OverloadTests
{
    [Fact]
    public void Emfile_backs_off_keeps_serving_and_recovers()
    {
        const int Connections = 120;
        int port = FreePort();
        string server = EchoServerDll();
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"ulimit -n 96 && exec dotnet \"{server}\" 127.0.0.1 {port} --quiet --reactors 1");
        using Process echo = Process.Start(psi)!;
        var stderr = new System.Text.StringBuilder();
        echo.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        echo.BeginErrorReadLine();
        try
        {
            string? started = ReadLine(echo.StandardOutput, TimeSpan.FromSeconds(30));
            Assert.True(started?.StartsWith("Server started", StringComparison.Ordinal) == true, $"the server did not start: {started} / {stderr}");

            var client = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "Net", "Clients", "emfile_client.py"), "127.0.0.1", port.ToString(), Connections.ToString() })
                client.ArgumentList.Add(a);
            using Process c = Process.Start(client)!;
            string? report = ReadLine(c.StandardOutput, TimeSpan.FromSeconds(90));
            Assert.True(report is not null, "the client did not report within 90 s");
            Dictionary<string, int> r = report!.Split(' ').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => int.Parse(kv[1]));

            Assert.True(r["served_first"] > 0 && r["served_first"] < Connections, $"the fd limit was not reached: {report}");
            Assert.True(r["second_ok"] == r["served_first"], $"existing connections were not all served during the EMFILE episode: {report}");
            Assert.True(r["recovered"] == Connections - r["served_first"], $"the waiting connections were not all served after fds were freed: {report}");
            string log;
            lock (stderr)
                log = stderr.ToString();
            Assert.Contains("accept failed (EMFILE)", log);
        }
        finally
        {
            if (!echo.HasExited)
                echo.Kill();
            echo.WaitForExit();
        }
    }

    private static string? ReadLine(StreamReader reader, TimeSpan timeout)
    {
        Task<string?> line = reader.ReadLineAsync();
        return line.Wait(timeout) ? line.Result : null;
    }

    private static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    /// <summary>The sample's build output, next to this test assembly's configuration (the test project builds it).</summary>
    private static string EchoServerDll() => UringSafe.Tests.Support.BuildOutput.Find("samples/EchoServer", "EchoServer.dll");
}
