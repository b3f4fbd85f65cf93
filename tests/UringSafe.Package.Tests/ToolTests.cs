using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Xml.Linq;

namespace UringSafe.Package.Tests;

/// <summary>
/// The doctor as a user gets it: src/Tool/UringSafe.Tool packed (already built by this project's ProjectReference) into the
/// fixture's local feed, installed with <c>dotnet tool install --tool-path</c> from that feed alone (the fixture's nuget.config
/// clears every other source, and NUGET_PACKAGES is the fixture's own folder: nothing is downloaded), then run, plainly and
/// under a seccomp filter that fails io_uring_setup.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class ToolTests(PackageFeedFixture fixture)
{
    private static readonly object s_gate = new();
    private static Task<string>? s_installed;

    [Fact]
    public async Task Tool_installs_from_the_local_feed_and_doctor_reports_kernel_opcodes_and_tried_features()
    {
        string uringsafe = await InstalledToolAsync(fixture);

        ProcessResult run = await RunAsync(uringsafe, "doctor");
        Assert.True(run.ExitCode == 0, run.Output);
        string release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        string[] version = release.Split('.', '-');
        Assert.Contains($"Kernel: {release} (version {version[0]}.{version[1]};", run.Output);
        Assert.Contains("io_uring: usable", run.Output);
        Assert.Contains("Opcodes (", run.Output);
        foreach (string opcode in new[] { "Nop", "Read", "Accept", "Socket", "SendZc", "MsgRing" })
            Assert.Matches($@"\n  yes\s+\d+  {opcode}\s", run.Output);
        Assert.Contains("Features (tried on this kernel):", run.Output);
        foreach (string feature in new[] { "DeferTaskrun", "RegisteredRingFd", "BufferRing", "MultishotAccept", "MultishotRecv", "SendZc", "MsgRing" })
            Assert.Matches($@"\n  yes  {feature}\s+\S+\s+tried\s+\S", run.Output);
        Assert.Contains("The runtime will use:", run.Output);
        Assert.Contains("Verdict: io_uring is usable", run.Output);
    }

    [Fact]
    public async Task Installed_doctor_under_a_seccomp_filter_names_seccomp_and_exits_nonzero()
    {
        string uringsafe = await InstalledToolAsync(fixture);
        string launcher = Path.Combine(AppContext.BaseDirectory, "seccomp_exec.py");

        ProcessResult run = await RunAsync("python3", launcher, "--errno", "1", "--", uringsafe, "doctor");
        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}:\n{run.Output}");
        Assert.Contains("io_uring: UNUSABLE (SeccompFilter, io_uring_setup returned EPERM)", run.Output);
        Assert.Contains("seccomp: 2 (filter)", run.Output);
        Assert.Contains("this process runs under a seccomp filter", run.Output);
        Assert.Contains("fix: Run with a seccomp profile that allows io_uring_setup", run.Output);
        Assert.DoesNotContain("io_uring_group (", run.Output);
    }

    /// <summary>Packs and installs the tool once for the collection; returns the installed <c>uringsafe</c> command.</summary>
    internal static Task<string> InstalledToolAsync(PackageFeedFixture fixture)
    {
        lock (s_gate)
            return s_installed ??= InstallAsync(fixture);
    }

    private static async Task<string> InstallAsync(PackageFeedFixture fixture)
    {
        string project = Path.Combine(fixture.RepoRoot, "src", "Tool", "UringSafe.Tool", "UringSafe.Tool.csproj");
        ProcessResult pack = await fixture.RunDotnetAsync(fixture.RepoRoot, "pack", project, "--no-build", "-c", fixture.Configuration, "-o", fixture.Feed, "-nologo");
        Assert.True(pack.ExitCode == 0, $"dotnet pack (tool) failed ({pack.ExitCode}):\n{pack.Output}");
        string nupkg = Path.Combine(fixture.Feed, $"UringSafe.Tool.{fixture.Version}.nupkg");
        Assert.True(File.Exists(nupkg), $"dotnet pack did not produce {nupkg}:\n{pack.Output}");
        AssertIsToolPackage(nupkg);

        string toolPath = Path.Combine(fixture.Root, "tools");
        ProcessResult install = await fixture.RunDotnetAsync(fixture.Root,
            "tool", "install", "--tool-path", toolPath, "--add-source", fixture.Feed, "UringSafe.Tool", "--version", fixture.Version);
        Assert.True(install.ExitCode == 0, $"dotnet tool install failed ({install.ExitCode}):\n{install.Output}");
        string command = Path.Combine(toolPath, "uringsafe");
        Assert.True(File.Exists(command), $"no {command} after install:\n{install.Output}");
        // It came from the local feed into the fixture's own packages folder, not from anywhere else.
        Assert.True(Directory.Exists(Path.Combine(fixture.PackagesFolder, "uringsafe.tool", fixture.Version))
            || Directory.Exists(Path.Combine(toolPath, ".store", "uringsafe.tool", fixture.Version)), install.Output);
        return command;
    }

    private static void AssertIsToolPackage(string nupkg)
    {
        using ZipArchive zip = ZipFile.OpenRead(nupkg);
        ZipArchiveEntry nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/'));
        using (Stream stream = nuspecEntry.Open())
        {
            XDocument nuspec = XDocument.Load(stream);
            Assert.Contains(nuspec.Descendants(), e => e.Name.LocalName == "packageType" && (string?)e.Attribute("name") == "DotnetTool");
            Assert.DoesNotContain(nuspec.Descendants(), e => e.Name.LocalName == "dependency"); // everything it needs is inside
        }
        string[] files = zip.Entries.Select(e => e.FullName).ToArray();
        Assert.Contains("tools/net10.0/any/DotnetToolSettings.xml", files);
        Assert.Contains("tools/net10.0/any/UringSafe.Tool.dll", files);
        Assert.Contains("tools/net10.0/any/UringSafe.dll", files);
        Assert.Contains(files, f => f.StartsWith("tools/net10.0/any/runtimes/linux-x64/", StringComparison.Ordinal) && f.EndsWith("Tmds.LibC.dll", StringComparison.Ordinal));
    }

    /// <summary>Runs a program (the installed tool, or the seccomp launcher) with the host's dotnet as DOTNET_ROOT.</summary>
    internal static async Task<ProcessResult> RunAsync(string fileName, params string[] args)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
            psi.ArgumentList.Add(arg);
        psi.Environment.Remove("URINGSAFE_FEATURES");
        psi.Environment["DOTNET_ROOT"] = PackageFeedFixture.DotnetRoot();

        using var process = new Process { StartInfo = psi };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Append(e.Data).Append('\n'); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Append(e.Data).Append('\n'); };
        var stopwatch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish in a minute:\n{output}");
        }
        process.WaitForExit();
        lock (output)
            return new ProcessResult(process.ExitCode, output.ToString(), stopwatch.Elapsed);
    }
}
