using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace UringSafe.Package.Tests;

/// <summary>
/// <c>uringsafe dump</c> and <c>top</c>, installed from the local feed, against a live consumer built from the feed
/// (<see cref="Programs.InFlight"/>): a multishot accept and a receive in flight, its reactor blocked meanwhile (the
/// dump is answered by the runtime's diagnostics thread, not the reactor), and the stall report that names its thread.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed partial class InFlightToolTests(PackageFeedFixture fixture)
{
    private static readonly TimeSpan s_watchdog = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Dump_and_top_list_the_operations_in_flight_of_a_live_process_and_the_stall_report_names_its_main_thread()
    {
        Task<string> tool = ToolTests.InstalledToolAsync(fixture);
        ConsumerProject project = fixture.CreateConsumer("InFlightSample", Programs.InFlight);
        BuildResult build = await project.BuildAsync();
        Assert.True(build.Succeeded, build.ToString());
        string uringsafe = await tool;

        await using var sample = LiveSample.Start(Path.Combine(project.Directory, "bin", "Debug", "net10.0", "InFlightSample.dll"));
        int pid = await sample.ReadyAsync(s_watchdog);

        // The stall report: the reactor is blocked on purpose, and under UringRuntime.Run it is the main thread (tid == pid).
        string stall = await sample.StderrLineAsync("has not returned to its loop", s_watchdog);
        Assert.Contains($"`dotnet-stack report -p {pid}` and read Thread (0x{pid:X}), OS thread id {pid}: the process's main thread " +
            "(under UringRuntime.Run the reactor is the thread that called Run, here Main)", stall);

        ProcessResult dump = await ToolTests.RunAsync(uringsafe, "dump", "-p", pid.ToString(CultureInfo.InvariantCulture));
        Assert.True(dump.ExitCode == 0, dump.Output);
        Assert.Contains($"UringSafe in process {pid}: 2 operation(s) in flight, oldest first\n", dump.Output);
        Assert.Matches(@"\nREACTOR +USER_DATA +OPCODE +FD +FD IS +AGE +MULTISHOT +CANCEL +BUFFER +STARTED AT\n", dump.Output);
        (string accept, string recv) = AcceptThenRecv(dump.Output);
        Assert.Matches(@"^ +1  0x[0-9a-f]{16}  Accept +\d+  listener \(local 127\.0\.0\.1:\d+\) +\d+ ms  yes +no +- +.*Program\.cs:\d+\)$", accept);
        Assert.Matches(@"^ +1  0x[0-9a-f]{16}  Recv +\d+  socket \(local 127\.0\.0\.1:\d+, remote 127\.0\.0\.1:\d+\) +\d+ ms  no +no +IoBuffer, 4096 B +.*Program\.cs:\d+\)$", recv);

        ProcessResult top = await ToolTests.RunAsync(uringsafe, "top", "-p", pid.ToString(CultureInfo.InvariantCulture), "-n", "2", "--interval", "0.3");
        Assert.True(top.ExitCode == 0, top.Output);
        string[] frames = top.Output.Split($"uringsafe top -p {pid}: ", StringSplitOptions.RemoveEmptyEntries);
        Assert.True(frames.Length == 2, $"two frames expected:\n{top.Output}");
        int[] recvAges = frames.Select(f =>
        {
            Assert.StartsWith("2 operation(s) in flight at ", f);
            return AgeMilliseconds(AcceptThenRecv(f).Recv);
        }).ToArray();
        Assert.True(recvAges[1] >= recvAges[0] + 250, $"the second frame is a new reading, 0.3 s later: ages {recvAges[0]} and {recvAges[1]} ms\n{top.Output}");

        // Unblocked, the sample finishes its read and exits cleanly.
        int exit = await sample.CloseInputAndWaitAsync(s_watchdog);
        Assert.True(exit == 0, $"the sample exited with {exit}:\n{sample.Output}");
        Assert.Contains("read 0 bytes after the client closed", sample.Output);
    }

    [Fact]
    public async Task Dump_of_a_process_without_UringSafe_says_so_and_exits_1()
    {
        string uringsafe = await ToolTests.InstalledToolAsync(fixture);
        // This test host is a .NET process that never loads UringSafe (the package tests only pack it).
        ProcessResult dump = await ToolTests.RunAsync(uringsafe, "dump", "-p", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), "--timeout", "1");
        Assert.True(dump.ExitCode == 1, $"exit {dump.ExitCode}:\n{dump.Output}");
        Assert.Contains($"uringsafe dump: process {Environment.ProcessId} answered on the diagnostics IPC, but no UringSafe event source wrote an in-flight dump within 1 s", dump.Output);
    }

    [Fact]
    public async Task Dump_of_no_process_says_how_to_find_one_and_exits_1()
    {
        string uringsafe = await ToolTests.InstalledToolAsync(fixture);
        ProcessResult dump = await ToolTests.RunAsync(uringsafe, "dump", "-p", "999999999");
        Assert.True(dump.ExitCode == 1, $"exit {dump.ExitCode}:\n{dump.Output}");
        Assert.Contains("uringsafe dump: cannot reach process 999999999 through the .NET diagnostics IPC", dump.Output);
        Assert.Contains("`dotnet-trace ps` lists them", dump.Output);
    }

    /// <summary>The Accept line and the Recv line of one table, in that order (the accept was armed first: oldest first).</summary>
    private static (string Accept, string Recv) AcceptThenRecv(string output)
    {
        string[] lines = output.Split('\n');
        int accept = Array.FindIndex(lines, l => l.Contains("  Accept ", StringComparison.Ordinal));
        int recv = Array.FindIndex(lines, l => l.Contains("  Recv ", StringComparison.Ordinal));
        Assert.True(accept >= 0 && recv > accept, $"an Accept line, then a Recv line, expected:\n{output}");
        return (lines[accept], lines[recv]);
    }

    private static int AgeMilliseconds(string line)
        => int.Parse(AgeColumn().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"  (\d+) ms  ")]
    private static partial Regex AgeColumn();

    /// <summary>The consumer sample, running: stdout and stderr collected, stdin held open until the test closes it.</summary>
    private sealed class LiveSample : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly TaskCompletionSource<int> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<(string Needle, TaskCompletionSource<string> Line)> _stderrWaits = [];

        private LiveSample(Process process) => _process = process;

        public string Output
        {
            get
            {
                lock (_output)
                    return _output.ToString();
            }
        }

        public static LiveSample Start(string dll)
        {
            var psi = new ProcessStartInfo(PackageFeedFixture.DotnetPath())
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add(dll);
            psi.Environment.Remove("URINGSAFE_FEATURES");
            var sample = new LiveSample(new Process { StartInfo = psi });
            sample._process.OutputDataReceived += (_, e) => sample.OnLine(e.Data, stderr: false);
            sample._process.ErrorDataReceived += (_, e) => sample.OnLine(e.Data, stderr: true);
            sample._process.Start();
            sample._process.BeginOutputReadLine();
            sample._process.BeginErrorReadLine();
            return sample;
        }

        private void OnLine(string? line, bool stderr)
        {
            if (line is null)
                return;
            lock (_output)
            {
                _output.Append(line).Append('\n');
                if (!stderr && line.StartsWith("ready ", StringComparison.Ordinal))
                    _ready.TrySetResult(int.Parse(line["ready ".Length..], CultureInfo.InvariantCulture));
                if (stderr)
                {
                    foreach ((string needle, TaskCompletionSource<string> wait) in _stderrWaits)
                    {
                        if (line.Contains(needle, StringComparison.Ordinal))
                            wait.TrySetResult(line);
                    }
                }
            }
        }

        public async Task<int> ReadyAsync(TimeSpan watchdog)
        {
            Task exited = _process.WaitForExitAsync();
            Task first = await Task.WhenAny(_ready.Task, exited, Task.Delay(watchdog));
            Assert.True(first == _ready.Task, $"the sample did not print 'ready PID' within {watchdog} (exited: {exited.IsCompleted}):\n{Output}");
            return await _ready.Task;
        }

        public async Task<string> StderrLineAsync(string needle, TimeSpan watchdog)
        {
            var wait = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_output)
            {
                string? seen = _output.ToString().Split('\n').FirstOrDefault(l => l.Contains(needle, StringComparison.Ordinal));
                if (seen is not null)
                    return seen;
                _stderrWaits.Add((needle, wait));
            }
            Task first = await Task.WhenAny(wait.Task, Task.Delay(watchdog));
            Assert.True(first == wait.Task, $"no stderr line with '{needle}' within {watchdog}:\n{Output}");
            return await wait.Task;
        }

        public async Task<int> CloseInputAndWaitAsync(TimeSpan watchdog)
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(watchdog);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the sample did not exit within {watchdog} after its stdin closed:\n{Output}");
            }
            _process.WaitForExit(); // drains the readers
            return _process.ExitCode;
        }

        public ValueTask DisposeAsync()
        {
            try
            {
                if (!_process.HasExited)
                    _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // it exited meanwhile
            }
            _process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
