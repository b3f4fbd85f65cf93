using System.Diagnostics;
using System.Reflection;

namespace UringSafe.Package.Tests;

/// <summary>
/// The packages' public API is tracked (PublicAPI.Shipped/Unshipped.txt, Microsoft.CodeAnalysis.PublicApiAnalyzers): a
/// public member missing from the files (RS0016) or a listed one that is gone (RS0017, an API break) fails the build.
/// Shown on a one-file project placed under src/Runtime/, so it gets exactly the configuration the packages get from
/// Directory.Build.props (the analyzer, warnings as errors, XML docs).
/// </summary>
public sealed class PublicApiTrackingTests : IDisposable
{
    private const string Listed = """
        namespace ApiCheck;

        /// <summary>Listed in PublicAPI.Shipped.txt.</summary>
        public static class Api
        {
            /// <summary>Listed.</summary>
            public static int Kept() => 1;
            // MEMBERS
        }
        """;

    private readonly string _repoRoot = typeof(PublicApiTrackingTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "UringSafe.RepoRoot").Value!;
    private readonly string _project;

    public PublicApiTrackingTests()
    {
        _project = Path.Combine(_repoRoot, "src", "Runtime", $".api-check-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_project);
        File.WriteAllText(Path.Combine(_project, "ApiCheck.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <IsPackable>false</IsPackable>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(_project, "PublicAPI.Shipped.txt"), "#nullable enable\nApiCheck.Api\nstatic ApiCheck.Api.Kept() -> int\n");
        File.WriteAllText(Path.Combine(_project, "PublicAPI.Unshipped.txt"), "#nullable enable\n");
    }

    public void Dispose() => Directory.Delete(_project, recursive: true);

    [Fact]
    public async Task An_unlisted_public_member_or_a_removed_listed_one_fails_the_build()
    {
        (int code, string output) = await BuildAsync(Listed);
        Assert.True(code == 0, $"The listed API should build clean:\n{output}");

        (code, output) = await BuildAsync(Listed.Replace("// MEMBERS", "/// <summary>Not listed.</summary>\n    public static int Added() => 2;"));
        Assert.True(code != 0 && output.Contains("error RS0016") && output.Contains("ApiCheck.Api.Added()"),
            $"An unlisted public member should fail the build with RS0016:\n{output}");

        (code, output) = await BuildAsync(Listed.Replace("    /// <summary>Listed.</summary>\n    public static int Kept() => 1;\n", ""));
        Assert.True(code != 0 && output.Contains("error RS0017") && output.Contains("ApiCheck.Api.Kept()"),
            $"Removing a shipped public member should fail the build with RS0017:\n{output}");
    }

    private async Task<(int ExitCode, string Output)> BuildAsync(string source)
    {
        File.WriteAllText(Path.Combine(_project, "Api.cs"), source.ReplaceLineEndings("\n"));
        var psi = new ProcessStartInfo("dotnet", ["build", "-nologo", "--disable-build-servers", "-p:UseSharedCompilation=false"])
        {
            WorkingDirectory = _project,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // dotnet test runs inside an MSBuild-launched host: what it set for itself must not leak into this build.
        foreach (string key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToArray())
            psi.Environment.Remove(key);
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using Process process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"Watchdog: building {_project} took more than 5 minutes.");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
