using System.Diagnostics;

namespace UringSafe.Analyzers.Tests;

/// <summary>
/// The code fixes through <c>dotnet format analyzers</c>, the path CI and command-line users take: the compiler's own
/// Roslyn (not the test host's) runs the built analyzer and code-fix assemblies over a throwaway project. The project has
/// no package references, so its restore needs nothing from a feed.
/// </summary>
public class DotnetFormatTests
{
    private const string Before = """
        class C
        {
            async Task DropsTheBuffer(UringFile f)
            {
                var buf = new byte[16];
                await f.ReadAtAsync(buf, 0);
                Sink.Use(buf);
                Sink.Use(buf.AsSpan());
                var other = new byte[16];
                await f.WriteAtAsync(other, 0);
                Sink.Use(other);
            }

            async Task DropsTheTask(UringFile f)
            {
                var buf = new byte[16];
                f.WriteAtAsync(buf, 0);
                Sink.Use(buf);
            }

            async Task Helper(UringFile f, byte[] buffer)
            {
                (_, buffer) = await f.ReadAtAsync(buffer, 0);
            }
        }
        """;

    private const string After = """
        class C
        {
            async Task DropsTheBuffer(UringFile f)
            {
                var buf = new byte[16];
                (_, buf) = await f.ReadAtAsync(buf, 0);
                Sink.Use(buf);
                Sink.Use(buf.AsSpan());
                var other = new byte[16];
                (_, other) = await f.WriteAtAsync(other, 0);
                Sink.Use(other);
            }

            async Task DropsTheTask(UringFile f)
            {
                var buf = new byte[16];
                (_, buf) = await f.WriteAtAsync(buf, 0);
                Sink.Use(buf);
            }

            async Task Helper(UringFile f, [UringSafe.Lends] byte[] buffer)
            {
                (_, buffer) = await f.ReadAtAsync(buffer, 0);
            }
        }
        """;

    [Fact]
    public void FixesUR0001UR0003AndUR0007()
    {
        var directory = Directory.CreateTempSubdirectory("uringsafe-format-");
        try
        {
            var analyzers = AppContext.BaseDirectory;
            File.WriteAllText(Path.Combine(directory.FullName, "Fixes.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net{Environment.Version.Major}.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>disable</Nullable>
                    <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
                  </PropertyGroup>
                  <ItemGroup>
                    <Analyzer Include="{Path.Combine(analyzers, "UringSafe.Analyzers.dll")}" />
                    <Analyzer Include="{Path.Combine(analyzers, "UringSafe.Analyzers.CodeFixes.dll")}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(directory.FullName, "Api.cs"), TestApi.Source);
            var code = Path.Combine(directory.FullName, "Code.cs");
            File.WriteAllText(code, UringTest.Usings + Before);

            var output = RunDotnet(directory.FullName, "format", "analyzers", "Fixes.csproj",
                "--diagnostics", "UR0001", "UR0003", "UR0007", "--severity", "info", "--verbosity", "diagnostic");

            Assert.DoesNotContain("Unable to fix", output, StringComparison.Ordinal);
            Assert.Equal(
                (UringTest.Usings + After).ReplaceLineEndings(),
                File.ReadAllText(code).ReplaceLineEndings());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string RunDotnet(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's MSBuild settings belong to the test's own build, not to the throwaway project's.
        foreach (var name in start.Environment.Keys.Where(key => key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        // Watchdog: a busy machine makes this slow, never endless.
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet {string.Join(' ', arguments)} did not finish in 5 minutes:\n{stdout.Result}\n{stderr.Result}");
        }

        var output = stdout.Result + stderr.Result;
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output}");
        return output;
    }
}
