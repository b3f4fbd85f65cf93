using System.Text;
using System.Text.RegularExpressions;

namespace UringSafe.Package.Tests;

/// <summary>
/// The README's quick start, run exactly as README.md writes it: its <c>sh</c> blocks become one bash script, in order,
/// and its <c>csharp</c> block becomes Program.cs at the point where it appears. <c>~</c> is a fresh home directory, so
/// the feed, the Hello project and the user-level NuGet config are new; the NuGet config is a copy of this machine's
/// (its package sources, as a developer or CI has them). The first block (the pack, in the clone) restores with this
/// machine's packages folder, as a developer's would; from the next block on, NUGET_PACKAGES is an empty folder: UringSafe
/// must come from the local feed, and its dependency (Tmds.LibC) from the configured source, through the nuget.config the
/// README makes. The doctor's install line (<c>dotnet tool install -g</c>) installs into the fresh home's ~/.dotnet/tools,
/// which the harness puts on PATH as the SDK's installers do for a user.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed partial class QuickStartTests(PackageFeedFixture fixture)
{
    // A Release build of the runtime, the generators and the analyzers, on a busy 2-core machine, then a consumer build.
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(15);

    [Fact]
    public async Task Quick_start_runs_as_written_from_an_empty_packages_folder()
    {
        string readme = File.ReadAllText(Path.Combine(fixture.RepoRoot, "README.md"));
        IReadOnlyList<(string Language, string Code)> blocks = QuickStartBlocks(readme);
        Assert.True(blocks.Count(b => b.Language == "csharp") == 1, "the quick start has one csharp block (Program.cs)");
        Assert.True(blocks[0].Language == "sh" && blocks[0].Code.Contains("dotnet pack", StringComparison.Ordinal),
            $"the quick start starts by packing in the clone:\n{blocks[0].Code}");

        // Its own temp directory, not the fixture's: nothing above the new home may hold a nuget.config or Directory.Build.*.
        string root = Directory.CreateTempSubdirectory("uringsafe-quickstart-").FullName;
        try
        {
            await RunQuickStartAsync(blocks, Path.Combine(root, "home"), Path.Combine(root, "packages"));
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private async Task RunQuickStartAsync(IReadOnlyList<(string Language, string Code)> blocks, string home, string emptyPackages)
    {
        Directory.CreateDirectory(home);
        CopyMachineNuGetConfig(home);

        string script = Script(blocks, emptyPackages);
        string machinePackages = PackageFeedFixture.GlobalPackagesFolder();
        string dotnetDirectory = Path.GetDirectoryName(Path.GetFullPath(PackageFeedFixture.DotnetPath())) ?? "";
        ProcessResult run = await PackageFeedFixture.RunAsync("bash", fixture.RepoRoot, env =>
        {
            env["HOME"] = home;
            env.Remove("DOTNET_CLI_HOME");             // `dotnet tool install -g` installs under the fresh ~/.dotnet/tools
            env["NUGET_PACKAGES"] = machinePackages;   // the pack, in the clone; the script switches after it
            // What the SDK's installers set up for a user: global tools on PATH, and the tool's apphost finds this dotnet.
            env["PATH"] = Path.Combine(home, ".dotnet", "tools") + ":" + env["PATH"];
            if (File.Exists(Path.Combine(dotnetDirectory, "dotnet")))
                env["PATH"] = dotnetDirectory + ":" + env["PATH"];
            env["DOTNET_ROOT"] = PackageFeedFixture.DotnetRoot();
        }, s_timeout, "-euo", "pipefail", "-c", script);

        string context = $"exit {run.ExitCode} after {run.Elapsed.TotalSeconds:F0} s\n--- script\n{script}\n--- output\n{run.Output}";
        Assert.True(run.ExitCode == 0, context);
        string hostname = File.ReadAllText("/etc/hostname");
        Assert.Contains($"{Encoding.UTF8.GetByteCount(hostname)} bytes: {hostname.TrimEnd('\n')}", run.Output);

        // It really came through the feed and the configured source into the empty folder: the pack's version, and Tmds.LibC.
        string feed = Path.Combine(home, "uringsafe-feed");
        Assert.True(File.Exists(Path.Combine(feed, $"UringSafe.{fixture.Version}.nupkg")),
            $"the README's pack did not write UringSafe.{fixture.Version}.nupkg to {feed}: {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}\n{context}");
        Assert.True(Directory.Exists(Path.Combine(emptyPackages, "uringsafe", fixture.Version.ToLowerInvariant())), context);
        Assert.True(Directory.Exists(Path.Combine(emptyPackages, "tmds.libc")), context);

        // The doctor: packed into the same feed, installed from it with the README's `dotnet tool install -g` line, and run.
        Assert.True(File.Exists(Path.Combine(feed, $"UringSafe.Tool.{fixture.Version}.nupkg")),
            $"the README's pack did not write UringSafe.Tool.{fixture.Version}.nupkg to {feed}\n{context}");
        Assert.True(Directory.Exists(Path.Combine(home, ".dotnet", "tools", ".store", "uringsafe.tool", fixture.Version.ToLowerInvariant())),
            $"UringSafe.Tool {fixture.Version} is not installed under ~/.dotnet/tools\n{context}");
        Assert.Contains("Verdict: io_uring is usable", run.Output);
    }

    /// <summary>The fenced blocks of the README's "## Quick start" section, in order.</summary>
    private static List<(string Language, string Code)> QuickStartBlocks(string readme)
    {
        Match section = QuickStartSection().Match(readme);
        Assert.True(section.Success, "README.md has no '## Quick start' section");
        var blocks = FencedBlock().Matches(section.Value).Select(m => (m.Groups["lang"].Value, m.Groups["code"].Value)).ToList();
        Assert.All(blocks, b => Assert.Contains(b.Item1, new[] { "sh", "csharp" }));
        return blocks;
    }

    /// <summary>The blocks as one bash script: sh blocks verbatim, the csharp block written to Program.cs.</summary>
    private static string Script(IReadOnlyList<(string Language, string Code)> blocks, string emptyPackages)
    {
        var script = new StringBuilder();
        for (int i = 0; i < blocks.Count; i++)
        {
            (string language, string code) = blocks[i];
            if (language == "sh")
            {
                script.Append(code);
            }
            else
            {
                Assert.DoesNotContain("URINGSAFE_README_PROGRAM", code);
                script.Append("cat > Program.cs <<'URINGSAFE_README_PROGRAM'\n").Append(code).Append("URINGSAFE_README_PROGRAM\n");
            }
            if (i == 0)
                script.Append($"export NUGET_PACKAGES='{emptyPackages}'\n");   // the harness, not the README: the consumer starts empty
        }
        return script.ToString();
    }

    /// <summary>Copies this machine's user-level NuGet config (its package sources) into the fresh home.</summary>
    private static void CopyMachineNuGetConfig(string home)
    {
        string directory = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "NuGet");
        string target = Path.Combine(home, ".nuget", "NuGet");
        Directory.CreateDirectory(target);
        foreach (string name in new[] { "NuGet.Config", "nuget.config" })
        {
            string source = Path.Combine(directory, name);
            if (File.Exists(source))
            {
                File.Copy(source, Path.Combine(target, name), overwrite: true);
                return;
            }
        }
    }

    [GeneratedRegex(@"^## Quick start\n.*?(?=^## )", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex QuickStartSection();

    [GeneratedRegex(@"^```(?<lang>\w+)\n(?<code>.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();
}
