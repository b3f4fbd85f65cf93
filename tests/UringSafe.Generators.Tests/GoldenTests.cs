using Microsoft.CodeAnalysis;

namespace UringSafe.Generators.Tests;

/// <summary>
/// Compares generated source with the checked-in files under Golden/. Set UPDATE_GOLDEN=1 to rewrite them
/// (in the source tree) after an intended change, then review the diff.
/// </summary>
public class GoldenTests
{
    private static GeneratorDriverRunResult RunSample()
    {
        var input = GeneratorHarness.CreateCompilation(TestSources.Stubs, TestSources.Declarations, TestSources.GlobalNamespaceDeclaration);
        return GeneratorHarness.Run(input).Result;
    }

    [Fact]
    public void GeneratedSourcesMatchGoldenFiles()
    {
        var generated = RunSample().Results.Single().GeneratedSources;
        bool update = Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";
        string outputDir = Path.Combine(AppContext.BaseDirectory, "Golden");
        string sourceDir = Path.Combine(GeneratorHarness.SourceDirectory(), "Golden");

        foreach (GeneratedSourceResult source in generated)
        {
            string fileName = source.HintName + ".txt";
            string actual = source.SourceText.ToString();
            if (update)
            {
                File.WriteAllText(Path.Combine(sourceDir, fileName), actual);
                continue;
            }
            string goldenPath = Path.Combine(outputDir, fileName);
            Assert.True(File.Exists(goldenPath), $"No golden file {fileName}; run the tests with UPDATE_GOLDEN=1 to create it.");
            Assert.Equal(File.ReadAllText(goldenPath).ReplaceLineEndings("\n"), actual.ReplaceLineEndings("\n"));
        }

        if (!update)
        {
            var expectedFiles = Directory.GetFiles(outputDir, "*.txt").Select(Path.GetFileName).Order().ToArray();
            var actualFiles = generated.Select(s => s.HintName + ".txt").Order().ToArray();
            Assert.Equal(expectedFiles, actualFiles);
        }
    }

    [Fact]
    public void HintNamesFollowNamespaceAndType()
    {
        var names = RunSample().Results.Single().GeneratedSources.Select(s => s.HintName).Order().ToArray();
        Assert.Equal(
            new[]
            {
                "GlobalTimeout.g.cs",
                "UringOpCatalog.g.cs",
                "UringSafe.Raw.Ops.AcceptMultishot.g.cs",
                "UringSafe.Raw.Ops.EpollCtl.g.cs",
                "UringSafe.Raw.Ops.Nop.g.cs",
                "UringSafe.Raw.Ops.Read.g.cs",
                "UringSafe.Raw.Ops.RecvSelect.g.cs",
            },
            names);
    }

    [Fact]
    public void GeneratedCodeCompilesWithoutErrorsOrWarnings()
    {
        var input = GeneratorHarness.CreateCompilation(TestSources.Stubs, TestSources.Declarations, TestSources.GlobalNamespaceDeclaration);
        var (output, _) = GeneratorHarness.Run(input);

        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        // Documentation mode is on, so an undocumented generated member would show up here as CS1591.
        Assert.Empty(GeneratorHarness.Problems(output, generatedOnly: true));
    }

    [Fact]
    public void InvalidDeclarationsAreSkippedWithoutDiagnostics()
    {
        var input = GeneratorHarness.CreateCompilation(TestSources.Stubs, TestSources.InvalidDeclarations);
        var (_, result) = GeneratorHarness.Run(input);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.Results.Single().GeneratedSources);
    }

    [Fact]
    public void NoDeclarationsMeansNoOutput()
    {
        var input = GeneratorHarness.CreateCompilation(TestSources.Stubs, "class Unrelated { }");
        var (_, result) = GeneratorHarness.Run(input);

        Assert.Empty(result.Results.Single().GeneratedSources);
    }
}
