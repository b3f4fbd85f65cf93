using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace UringSafe.Analyzers.Tests;

public class RuleDocumentationTests
{
    private static IEnumerable<string> Identifiers() =>
        typeof(RuleIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral)
            .Select(field => field.GetRawConstantValue() as string)
            .OfType<string>()
            .Where(value => value.StartsWith("UR", StringComparison.Ordinal));

    public static TheoryData<string> RuleIdentifiers()
    {
        var data = new TheoryData<string>();
        foreach (var id in Identifiers())
        {
            data.Add(id);
        }

        return data;
    }

    private static IEnumerable<DiagnosticDescriptor> AllDescriptors() =>
        new DiagnosticAnalyzer[] { new OwnershipAnalyzer(), new LendingResultAnalyzer(), new LendsContractAnalyzer() }.SelectMany(a => a.SupportedDiagnostics);

    [Theory]
    [MemberData(nameof(RuleIdentifiers))]
    public void EveryRuleHasADescriptorWithAMatchingHelpLink(string id)
    {
        var descriptor = Assert.Single(AllDescriptors(), d => d.Id == id);
        Assert.Equal($"https://github.com/uringsafe/uringsafe/blob/main/docs/rules/{id}.md", descriptor.HelpLinkUri);
        Assert.Equal("UringSafe.Ownership", descriptor.Category);
        Assert.True(descriptor.IsEnabledByDefault);
    }

    [Theory]
    [MemberData(nameof(RuleIdentifiers))]
    public void EveryRuleHasADocumentationPage(string id)
    {
        var path = Path.Combine(FindRepositoryRoot(), "docs", "rules", id + ".md");
        Assert.True(File.Exists(path), $"Missing {path}");
        var text = File.ReadAllText(path);
        Assert.StartsWith("# " + id, text, StringComparison.Ordinal);
        Assert.Contains(AllDescriptors().First(d => d.Id == id).Title.ToString(), text, StringComparison.Ordinal);

        var index = File.ReadAllText(Path.Combine(FindRepositoryRoot(), "docs", "analyzers.md"));
        Assert.Contains($"rules/{id}.md", index, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryDescriptorIsListedInRuleIds()
    {
        var ids = Identifiers().ToHashSet();
        Assert.All(AllDescriptors(), d => Assert.Contains(d.Id, ids));
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "UringSafe.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("UringSafe.sln not found above " + AppContext.BaseDirectory);
    }
}
