extern alias Generators;

using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using GeneratorAnalyzer = Generators::UringSafe.Generators.Diagnostics.UringOperationAnalyzer;

namespace UringSafe.Analyzers.Tests;

/// <summary>
/// The rule registry (src/Shared/RuleIds.cs) is complete and consistent: every UR0xxx and UR1xxx ID has one descriptor
/// with the shared help link, a docs/rules page, a row in the overview and a release-tracking entry in the assembly that
/// reports it; every descriptor and every docs/rules page belongs to a registered ID.
/// </summary>
public class RuleRegistryTests
{
    private static IEnumerable<string> Identifiers() =>
        typeof(RuleIds).GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(field => field.IsLiteral)
            .Select(field => field.GetRawConstantValue() as string)
            .OfType<string>()
            .Where(value => Regex.IsMatch(value, "^UR[0-9]{4}$"));

    public static TheoryData<string> RuleIdentifiers()
    {
        var data = new TheoryData<string>();
        foreach (var id in Identifiers())
        {
            data.Add(id);
        }

        return data;
    }

    /// <summary>Every analyzer type in the analyzer and generator assemblies, so a new analyzer is covered without listing it here.</summary>
    private static IEnumerable<DiagnosticAnalyzer> AllAnalyzers() =>
        new[] { typeof(OwnershipAnalyzer).Assembly, typeof(GeneratorAnalyzer).Assembly }
            .SelectMany(assembly => assembly.GetTypes())
            .Where(type => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type)
                && type.GetCustomAttributes(typeof(DiagnosticAnalyzerAttribute), false).Length > 0)
            .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!);

    private static IEnumerable<(DiagnosticDescriptor Descriptor, Assembly Assembly)> AllDescriptors() =>
        AllAnalyzers()
            .SelectMany(analyzer => analyzer.SupportedDiagnostics.Select(d => (d, analyzer.GetType().Assembly)))
            .GroupBy(pair => pair.d.Id)
            .Select(group => group.First());

    [Fact]
    public void TheRegistryHasBothFamilies()
    {
        var ids = Identifiers().ToList();
        Assert.Contains(ids, id => id.StartsWith("UR0", StringComparison.Ordinal));
        Assert.Contains(ids, id => id.StartsWith("UR1", StringComparison.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(RuleIdentifiers))]
    public void EveryRuleHasOneDescriptorWithTheSharedHelpLink(string id)
    {
        var (descriptor, _) = Assert.Single(AllDescriptors(), d => d.Descriptor.Id == id);
        Assert.Equal(RuleIds.HelpLinkBase + id + ".md", descriptor.HelpLinkUri);
        Assert.Equal($"https://github.com/uringsafe/uringsafe/blob/main/docs/rules/{id}.md", descriptor.HelpLinkUri);
        Assert.StartsWith("UringSafe.", descriptor.Category, StringComparison.Ordinal);
        Assert.True(descriptor.IsEnabledByDefault);
    }

    [Theory]
    [MemberData(nameof(RuleIdentifiers))]
    public void EveryRuleHasADocumentationPageListedInTheOverview(string id)
    {
        var (descriptor, _) = AllDescriptors().Single(d => d.Descriptor.Id == id);
        var path = Path.Combine(RepositoryRoot(), "docs", "rules", id + ".md");
        Assert.True(File.Exists(path), $"Missing {path}");
        var text = File.ReadAllText(path);
        Assert.StartsWith("# " + id, text, StringComparison.Ordinal);
        Assert.Contains(descriptor.Title.ToString(), text, StringComparison.Ordinal);

        var overview = id.StartsWith("UR0", StringComparison.Ordinal) ? "analyzers.md" : "generators.md";
        Assert.Contains($"rules/{id}.md", File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", overview)), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(RuleIdentifiers))]
    public void EveryRuleHasAReleaseTrackingEntryInItsAssembly(string id)
    {
        var (descriptor, assembly) = AllDescriptors().Single(d => d.Descriptor.Id == id);
        var project = assembly.GetName().Name switch
        {
            "UringSafe.Analyzers" => Path.Combine("src", "Analyzers", "UringSafe.Analyzers"),
            "UringSafe.Generators" => Path.Combine("src", "Generators", "UringSafe.Generators"),
            var other => throw new InvalidOperationException("No release tracking known for " + other),
        };
        var entries = new[] { "AnalyzerReleases.Shipped.md", "AnalyzerReleases.Unshipped.md" }
            .SelectMany(file => File.ReadAllLines(Path.Combine(RepositoryRoot(), project, file)))
            .Select(line => line.Split('|').Select(cell => cell.Trim()).ToArray())
            .Where(cells => cells.Length >= 3 && cells[0] == id)
            .ToList();
        var entry = Assert.Single(entries);
        Assert.Equal(descriptor.Category, entry[1]);
        Assert.Equal(descriptor.DefaultSeverity.ToString(), entry[2]);
    }

    [Fact]
    public void EveryDescriptorIsRegistered()
    {
        var ids = Identifiers().ToHashSet();
        Assert.All(AllDescriptors(), d => Assert.Contains(d.Descriptor.Id, ids));
    }

    [Fact]
    public void EveryDocumentationPageHasARule()
    {
        var ids = Identifiers().ToHashSet();
        var pages = Directory.GetFiles(Path.Combine(RepositoryRoot(), "docs", "rules"), "UR*.md")
            .Select(Path.GetFileNameWithoutExtension)
            .ToList();
        Assert.NotEmpty(pages);
        Assert.All(pages, page => Assert.Contains(page!, ids));
    }

    private static string RepositoryRoot()
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
