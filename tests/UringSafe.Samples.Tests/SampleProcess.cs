using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using UringSafe.Tests.Support;

namespace UringSafe.Samples.Tests;

/// <summary>A sample run as a child process (dotnet its.dll args), with its output captured and a watchdog on it.</summary>
internal sealed class SampleProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new(), _err = new();

    private SampleProcess(string sample, string workingDirectory, string[] args)
    {
        string dll = BuildOutput.Find($"samples/{sample}", sample + ".dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        psi.ArgumentList.Add(dll);
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        Name = $"{sample} {string.Join(' ', args)}";
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { lock (_out) _out.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_err) _err.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public string Output { get { lock (_out) return _out.ToString(); } }

    public string Error { get { lock (_err) return _err.ToString(); } }

    public static SampleProcess Start(string sample, params string[] args) => new(sample, Environment.CurrentDirectory, args);

    public static SampleProcess StartIn(string workingDirectory, string sample, params string[] args) => new(sample, workingDirectory, args);

    /// <summary>Runs a sample to its end; fails (and kills it) if it runs longer than <paramref name="limit"/>.</summary>
    public static (int ExitCode, string Output, string Error) Run(string sample, params string[] args) => RunIn(Environment.CurrentDirectory, sample, args);

    public static (int ExitCode, string Output, string Error) RunIn(string workingDirectory, string sample, params string[] args)
    {
        using var p = StartIn(workingDirectory, sample, args);
        int code = p.WaitForExit(TimeSpan.FromSeconds(60));
        return (code, p.Output, p.Error);
    }

    /// <summary>Waits for the exit; the watchdog: a sample still running after <paramref name="limit"/> is killed and fails the test.</summary>
    public int WaitForExit(TimeSpan limit)
    {
        if (!_process.WaitForExit(limit))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"Watchdog: the sample '{Name}' did not exit within {limit.TotalSeconds:0} s.\nstdout:\n{Output}\nstderr:\n{Error}");
        }
        _process.WaitForExit(); // drain the output readers
        return _process.ExitCode;
    }

    /// <summary>Asks the sample to stop (SIGTERM, as a service manager does) and waits for it.</summary>
    public int Stop(TimeSpan limit)
    {
        if (!_process.HasExited)
            Tmds.Linux.LibC.kill(_process.Id, Tmds.Linux.LibC.SIGTERM);
        return WaitForExit(limit);
    }

    /// <summary>Waits until the sample accepts TCP connections on <paramref name="port"/>.</summary>
    public void WaitForPort(int port, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit)
        {
            if (_process.HasExited)
                Assert.Fail($"The sample '{Name}' exited with {_process.ExitCode} before it listened on {port}.\nstdout:\n{Output}\nstderr:\n{Error}");
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        Assert.Fail($"Watchdog: the sample '{Name}' did not listen on {port} within {limit.TotalSeconds:0} s.\nstdout:\n{Output}\nstderr:\n{Error}");
    }

    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
