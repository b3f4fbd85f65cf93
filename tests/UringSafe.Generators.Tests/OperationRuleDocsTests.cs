using UringSafe.Analyzers;
using UringSafe.Generators.Diagnostics;

namespace UringSafe.Generators.Tests;

/// <summary>Every UR1xxx rule has a docs page, a help link to it, a release-tracking entry and a row in docs/generators.md.</summary>
public class OperationRuleDocsTests
{
    public static TheoryData<string> Rules()
    {
        var data = new TheoryData<string>();
        foreach (var descriptor in new UringOperationAnalyzer().SupportedDiagnostics) data.Add(descriptor.Id);
        return data;
    }

    [Fact]
    public void TheAnalyzerCoversUR1001ThroughUR1007()
        => Assert.Equal(new[] { "UR1001", "UR1002", "UR1003", "UR1004", "UR1005", "UR1006", "UR1007" },
            new UringOperationAnalyzer().SupportedDiagnostics.Select(d => d.Id).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Rules))]
    public void RuleHasDocsPageHelpLinkAndReleaseEntry(string id)
    {
        var descriptor = new UringOperationAnalyzer().SupportedDiagnostics.Single(d => d.Id == id);
        string root = GeneratorHarness.RepositoryRoot();

        Assert.Equal($"https://github.com/uringsafe/uringsafe/blob/main/docs/rules/{id}.md", descriptor.HelpLinkUri);
        Assert.Equal(RuleIds.GeneratorCategory, descriptor.Category);

        string page = Path.Combine(root, "docs", "rules", id + ".md");
        Assert.True(File.Exists(page), $"missing {page}");
        string text = File.ReadAllText(page);
        Assert.StartsWith($"# {id}: {descriptor.Title}", text);
        Assert.Contains($"| Default severity | {descriptor.DefaultSeverity} |", text);
        Assert.Contains("## Bad", text);
        Assert.Contains("## Good", text);

        string unshipped = File.ReadAllText(Path.Combine(root, "src", "Generators", "UringSafe.Generators", "AnalyzerReleases.Unshipped.md"));
        Assert.Contains($"{id} | {RuleIds.GeneratorCategory} | {descriptor.DefaultSeverity} |", unshipped);

        string overview = File.ReadAllText(Path.Combine(root, "docs", "generators.md"));
        Assert.Contains($"[{id}](rules/{id}.md)", overview);
    }
}
