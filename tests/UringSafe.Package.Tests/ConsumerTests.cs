namespace UringSafe.Package.Tests;

/// <summary>
/// A brand-new console project outside the repository, with one PackageReference to UringSafe from the local feed, gets the
/// runtime, the generators and the ownership analyzers, and UringSafeAnalysisMode / .editorconfig set the rules' severities.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class ConsumerTests(PackageFeedFixture fixture)
{
    [Fact]
    public async Task Correct_program_with_its_own_operation_builds_and_reads_a_file()
    {
        ConsumerProject project = fixture.CreateConsumer("Correct", Programs.Correct);
        BuildResult build = await project.BuildAsync();
        Assert.True(build.Succeeded, build.ToString());
        Assert.Empty(build.Diagnostics);

        string input = Path.Combine(project.Directory, "input.txt");
        File.WriteAllText(input, "UringSafe reads files");
        ProcessResult run = await project.RunAsync(input);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal(
            ["ReadAtAsync: 21 bytes: UringSafe reads files", "PositionalReader: 5 bytes: reads"],
            run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Buffer_used_while_lent_fails_the_build_with_UR0001()
    {
        BuildResult build = await fixture.CreateConsumer("UsesLentBuffer", Programs.UsesLentBuffer).BuildAsync();
        Assert.False(build.Succeeded, build.ToString());
        Assert.Equal(["UR0001"], build.Errors);
        Assert.Empty(build.Warnings);
    }

    [Fact]
    public async Task Default_mode_keeps_UR0002_a_warning()
    {
        BuildResult build = await fixture.CreateConsumer("DropsBufferDefault", Programs.DropsReturnedBuffer).BuildAsync();
        Assert.True(build.Succeeded, build.ToString());
        Assert.Equal(["UR0002"], build.Warnings);
        Assert.Empty(build.Errors);
    }

    [Fact]
    public async Task Editorconfig_UR0002_error_fails_the_build()
    {
        BuildResult build = await fixture.CreateConsumer("DropsBufferEditorconfigError", Programs.DropsReturnedBuffer,
            editorConfig: "root = true\n\n[*.cs]\ndotnet_diagnostic.UR0002.severity = error\n").BuildAsync();
        Assert.False(build.Succeeded, build.ToString());
        Assert.Equal(["UR0002"], build.Errors);
        Assert.Empty(build.Warnings);
    }

    [Fact]
    public async Task Editorconfig_UR0001_none_lets_the_bad_program_build()
    {
        BuildResult build = await fixture.CreateConsumer("UsesLentBufferEditorconfigNone", Programs.UsesLentBuffer,
            editorConfig: "root = true\n\n[*.cs]\ndotnet_diagnostic.UR0001.severity = none\n").BuildAsync();
        Assert.True(build.Succeeded, build.ToString());
        Assert.Empty(build.Diagnostics);
    }

    [Fact]
    public async Task Strict_mode_makes_UR0002_an_error()
    {
        BuildResult build = await fixture.CreateConsumer("DropsBufferStrict", Programs.DropsReturnedBuffer,
            extraProperties: "<UringSafeAnalysisMode>Strict</UringSafeAnalysisMode>").BuildAsync();
        Assert.False(build.Succeeded, build.ToString());
        Assert.Equal(["UR0002"], build.Errors);
        Assert.Empty(build.Warnings);
    }

    [Fact]
    public async Task Editorconfig_still_wins_over_strict_mode()
    {
        BuildResult build = await fixture.CreateConsumer("DropsBufferStrictEditorconfigWarning", Programs.DropsReturnedBuffer,
            extraProperties: "<UringSafeAnalysisMode>Strict</UringSafeAnalysisMode>",
            editorConfig: "root = true\n\n[*.cs]\ndotnet_diagnostic.UR0002.severity = warning\n").BuildAsync();
        Assert.True(build.Succeeded, build.ToString());
        Assert.Equal(["UR0002"], build.Warnings);
        Assert.Empty(build.Errors);
    }

    [Fact]
    public async Task Unknown_analysis_mode_is_an_error()
    {
        BuildResult build = await fixture.CreateConsumer("UnknownMode", Programs.Correct,
            extraProperties: "<UringSafeAnalysisMode>Pedantic</UringSafeAnalysisMode>").BuildAsync();
        Assert.False(build.Succeeded, build.ToString());
        Assert.Contains("error UR9001", build.Output);
    }

    [Fact]
    public async Task UringSafeAnalyzers_false_removes_the_analyzers()
    {
        BuildResult build = await fixture.CreateConsumer("UsesLentBufferAnalyzersOff", Programs.UsesLentBuffer,
            extraProperties: "<UringSafeAnalyzers>false</UringSafeAnalyzers>").BuildAsync();
        Assert.True(build.Succeeded, build.ToString());
        Assert.Empty(build.Diagnostics);
    }

    [Fact]
    public async Task UringSafeAnalyzers_false_keeps_the_generators()
    {
        ConsumerProject project = fixture.CreateConsumer("CorrectAnalyzersOff", Programs.Correct,
            extraProperties: "<UringSafeAnalyzers>false</UringSafeAnalyzers>");
        BuildResult build = await project.BuildAsync();
        Assert.True(build.Succeeded, build.ToString());
        Assert.Empty(build.Diagnostics);

        string input = Path.Combine(project.Directory, "input.txt");
        File.WriteAllText(input, "UringSafe reads files");
        ProcessResult run = await project.RunAsync(input);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("PositionalReader: 5 bytes: reads", run.Output);
    }

    [Fact]
    public async Task UringSafeAnalyzers_true_keeps_them()
    {
        BuildResult build = await fixture.CreateConsumer("UsesLentBufferAnalyzersOn", Programs.UsesLentBuffer,
            extraProperties: "<UringSafeAnalyzers>true</UringSafeAnalyzers>").BuildAsync();
        Assert.False(build.Succeeded, build.ToString());
        Assert.Equal(["UR0001"], build.Errors);
    }
}

