using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace UringSafe.Package.Tests;

/// <summary>
/// Packs src/Runtime/UringSafe (already built by this project's ProjectReference, so <c>dotnet pack --no-build</c>) into a
/// local folder feed under a fresh temp directory, copies the package's dependencies (Tmds.LibC) into that feed from the
/// global packages folder the repository's own restore filled, and hands out consumer projects that restore from that feed
/// alone, into their own packages folder: no network, and nothing of the test package left in ~/.nuget/packages.
/// </summary>
public sealed partial class PackageFeedFixture : IAsyncLifetime
{
    private static readonly TimeSpan s_processTimeout = TimeSpan.FromMinutes(5);

    public string RepoRoot { get; } = Metadata("UringSafe.RepoRoot");
    public string Configuration { get; } = Metadata("UringSafe.Configuration");
    public string Version { get; } = Metadata("UringSafe.Version");

    /// <summary>The temp directory holding the feed, the consumers' packages folder and the consumer projects.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("uringsafe-package-tests-").FullName;
    public string Feed => Path.Combine(Root, "feed");
    public string PackagesFolder => Path.Combine(Root, "packages");
    public string PackagePath => Path.Combine(Feed, $"UringSafe.{Version}.nupkg");

    public async Task InitializeAsync()
    {
        Assert.False(IsUnder(Root, RepoRoot), $"the temp directory {Root} must be outside the repository");
        Directory.CreateDirectory(Feed);

        string project = Path.Combine(RepoRoot, "src", "Runtime", "UringSafe", "UringSafe.csproj");
        ProcessResult pack = await RunDotnetAsync(RepoRoot, "pack", project, "--no-build", "-c", Configuration, "-o", Feed, "-nologo");
        Assert.True(pack.ExitCode == 0, $"dotnet pack failed ({pack.ExitCode}):\n{pack.Output}");
        Assert.True(File.Exists(PackagePath), $"dotnet pack did not produce {PackagePath}:\n{pack.Output}");

        // The consumer's only source is this feed: put the package's own dependencies in it too.
        string globalPackages = GlobalPackagesFolder();
        foreach ((string id, string version) in Dependencies(PackagePath))
        {
            string nupkg = FindInGlobalPackages(globalPackages, id, version)
                ?? throw new InvalidOperationException($"{id} {version} is not in {globalPackages}; restore the repository first (dotnet restore UringSafe.sln)");
            File.Copy(nupkg, Path.Combine(Feed, Path.GetFileName(nupkg)), overwrite: true);
        }

        // Consumers live below Root: stop MSBuild's upward search for Directory.Build.* / Directory.Packages.props and
        // NuGet's for nuget.config at Root.
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Packages.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="uringsafe-local" value="{Feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <clear />
              </fallbackPackageFolders>
              <disabledPackageSources>
                <clear />
              </disabledPackageSources>
            </configuration>
            """);
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return Task.CompletedTask;
    }

    /// <summary>Creates a new console project that references the packed UringSafe.</summary>
    public ConsumerProject CreateConsumer(string name, string program, string? extraProperties = null, string? editorConfig = null)
    {
        string dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                {extraProperties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="UringSafe" Version="{Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), program);
        if (editorConfig is not null)
            File.WriteAllText(Path.Combine(dir, ".editorconfig"), editorConfig);
        return new ConsumerProject(this, dir, name);
    }

    /// <summary>Runs the dotnet CLI with an environment fit for a nested build: the consumer's own packages folder, no build servers left running.</summary>
    public Task<ProcessResult> RunDotnetAsync(string workingDirectory, params string[] args)
        => RunAsync(DotnetPath(), workingDirectory, env => env["NUGET_PACKAGES"] = PackagesFolder, s_processTimeout, args);

    /// <summary>
    /// Runs a program with the environment of a nested dotnet build (see <see cref="RunDotnetAsync"/>), adjusted by
    /// <paramref name="environment"/>; killed with its children, and a <see cref="TimeoutException"/>, after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(string fileName, string workingDirectory, Action<IDictionary<string, string?>> environment, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
            psi.ArgumentList.Add(arg);

        // dotnet test runs us inside an MSBuild-launched host: drop what it set for itself.
        foreach (string key in psi.Environment.Keys.ToArray())
        {
            if (key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) && !key.Equals("MSBUILDDISABLENODEREUSE", StringComparison.OrdinalIgnoreCase))
                psi.Environment.Remove(key);
            else if (key.StartsWith("NUGET_", StringComparison.OrdinalIgnoreCase) && !key.Equals("NUGET_CERT_REVOCATION_MODE", StringComparison.OrdinalIgnoreCase))
                psi.Environment.Remove(key);
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        // Lingering compiler servers would keep our output pipes open (and outlive the test run).
        psi.Environment["UseSharedCompilation"] = "false";
        environment(psi.Environment);

        using var process = new Process { StartInfo = psi };
        var output = new StringBuilder();
        object gate = new();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (gate) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (gate) output.AppendLine(e.Data); };
        var stopwatch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            lock (gate)
                throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish in {timeout}:\n{output}");
        }
        process.WaitForExit(); // drains the asynchronous readers
        lock (gate)
            return new ProcessResult(process.ExitCode, output.ToString(), stopwatch.Elapsed);
    }

    /// <summary>The dotnet host running these tests.</summary>
    public static string DotnetPath()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
            return host;
        string? main = Environment.ProcessPath;
        if (main is not null && Path.GetFileNameWithoutExtension(main) == "dotnet")
            return main;
        return "dotnet";
    }

    /// <summary>The directory of the dotnet running these tests, so an installed tool's apphost finds the same runtime.</summary>
    public static string DotnetRoot()
    {
        string host = DotnetPath();
        if (!Path.IsPathRooted(host))
            host = Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(d => Path.Combine(d, host)).FirstOrDefault(File.Exists) ?? host;
        return Path.GetDirectoryName(new FileInfo(host).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(host)) ?? "";
    }

    /// <summary>The packages folder this machine's own restores use (the repository's restore filled it).</summary>
    public static string GlobalPackagesFolder()
    {
        string? env = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (!string.IsNullOrEmpty(env))
            return env;
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
    }

    private static IEnumerable<(string Id, string Version)> Dependencies(string nupkg)
    {
        using ZipArchive zip = ZipFile.OpenRead(nupkg);
        ZipArchiveEntry entry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/'));
        using Stream stream = entry.Open();
        XDocument nuspec = XDocument.Load(stream);
        return nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => ((string)e.Attribute("id")!, ((string)e.Attribute("version")!).Trim('[', ']', '(', ')').Split(',')[0].Trim()))
            .Distinct()
            .ToArray();
    }

    /// <summary>The dependency's .nupkg: the exact version if present, else the lowest newer one (NuGet's nearest match).</summary>
    private static string? FindInGlobalPackages(string globalPackages, string id, string version)
    {
        string idDir = Path.Combine(globalPackages, id.ToLowerInvariant());
        if (!Directory.Exists(idDir))
            return null;
        var minimum = System.Version.Parse(NumericPart(version));
        return Directory.GetDirectories(idDir)
            .Select(d => (Dir: d, Name: Path.GetFileName(d)))
            .Where(d => System.Version.TryParse(NumericPart(d.Name), out Version? v) && v >= minimum)
            .OrderBy(d => System.Version.Parse(NumericPart(d.Name)))
            .Select(d => Path.Combine(d.Dir, $"{id.ToLowerInvariant()}.{d.Name}.nupkg"))
            .FirstOrDefault(File.Exists);
    }

    private static string NumericPart(string version) => NumericVersion().Match(version).Value;

    [GeneratedRegex(@"^\d+(\.\d+){0,3}")]
    private static partial Regex NumericVersion();

    private static bool IsUnder(string path, string directory)
        => Path.GetFullPath(path).TrimEnd('/').StartsWith(Path.GetFullPath(directory).TrimEnd('/') + "/", StringComparison.Ordinal);

    private static string Metadata(string key)
        => typeof(PackageFeedFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
           ?? throw new InvalidOperationException($"assembly metadata {key} missing");
}

/// <summary>The exit code and the combined output of one dotnet CLI run.</summary>
public sealed record ProcessResult(int ExitCode, string Output, TimeSpan Elapsed);

/// <summary>A consumer console project in the fixture's temp directory.</summary>
public sealed partial class ConsumerProject(PackageFeedFixture fixture, string directory, string name)
{
    public string Directory { get; } = directory;

    public async Task<BuildResult> BuildAsync()
    {
        ProcessResult result = await fixture.RunDotnetAsync(Directory, "build", "--disable-build-servers", "-nologo", "-c", "Debug");
        var diagnostics = DiagnosticLine().Matches(result.Output)
            .Select(m => (Severity: m.Groups["severity"].Value, Id: m.Groups["id"].Value))
            .Distinct()
            .ToArray();
        return new BuildResult(result.ExitCode, result.Output, diagnostics, result.Elapsed);
    }

    public Task<ProcessResult> RunAsync(params string[] args)
        => fixture.RunDotnetAsync(Directory, [Path.Combine(Directory, "bin", "Debug", "net10.0", name + ".dll"), .. args]);

    [GeneratedRegex(@": (?<severity>error|warning) (?<id>UR\d{4}):")]
    private static partial Regex DiagnosticLine();
}

/// <summary>A consumer build: exit code, output and the distinct UringSafe diagnostics (UR####) it reported.</summary>
public sealed record BuildResult(int ExitCode, string Output, (string Severity, string Id)[] Diagnostics, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    public string[] Errors => Diagnostics.Where(d => d.Severity == "error").Select(d => d.Id).Order().ToArray();

    public string[] Warnings => Diagnostics.Where(d => d.Severity == "warning").Select(d => d.Id).Order().ToArray();

    public override string ToString() => $"exit {ExitCode} in {Elapsed.TotalSeconds:F1} s\n{Output}";
}
