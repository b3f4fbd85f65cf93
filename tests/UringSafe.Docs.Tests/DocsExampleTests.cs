using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace UringSafe.Docs.Tests;

/// <summary>
/// Every <c>csharp</c> block of README.md, docs/*.md and docs/rules/*.md (the guide's are whole programs, run by
/// <see cref="GuideExampleTests"/>) is compiled with UringSafe's analyzers and generators, and draws exactly the
/// diagnostics its text shows: a line that ends in a comment naming a rule (<c>// UR0001: ...</c>, <c>// CS1656</c>)
/// draws that diagnostic there, and no other line draws any. Most blocks are fragments: an HTML comment on the line
/// before the fence says how to complete them, <c>&lt;!-- example: statements; given: UringFile file, IoBuffer buf --&gt;</c>:
/// <list type="bullet">
/// <item><c>statements</c> (the default): the body of an async method whose parameters are the <c>given</c> list;</item>
/// <item><c>members</c>: members of a class, with the <c>given</c> list as its fields;</item>
/// <item><c>program</c>: a whole console program; <c>library</c>: a whole file of a class library;</item>
/// <item><c>sketch</c>, with <c>why: ...</c>: not code to compile (the outline or the output of a generator); only the
/// reason is checked.</item>
/// </list>
/// Fragments and libraries see the usings of the UringSafe namespaces (using directives at the top of a fragment join
/// them) and a few helpers to hand data to (<c>Process</c>, <c>Use</c>, <c>ComputeAsync</c>, <c>ExpensiveHash</c>). A
/// line of just <c>...</c> stands for the reader's code and is left out.
/// </summary>
public sealed partial class DocsExampleTests
{
    private static readonly string s_root =
        typeof(DocsExampleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "UringSafe.RepoRoot").Value!;

    private const string Usings = """
        using System;
        using System.Buffers;
        using System.Collections.Generic;
        using System.IO;
        using System.Linq;
        using System.Runtime.InteropServices;
        using System.Threading;
        using System.Threading.Tasks;
        using UringSafe;
        using UringSafe.Abi;
        using UringSafe.Async;
        using UringSafe.Buffers;
        using UringSafe.Files;
        using UringSafe.Net;
        using UringSafe.Raw.Ops;

        """;

    /// <summary>One case per example: the page's path from the repository root and the example's index on the page.</summary>
    public static TheoryData<string, int> Examples()
    {
        var data = new TheoryData<string, int>();
        foreach (string page in Pages())
        {
            int count = Blocks(File.ReadAllText(Path.Combine(s_root, page))).Count;
            for (int i = 0; i < count; i++)
                data.Add(page, i);
        }
        return data;
    }

    [Fact]
    public void The_pages_have_examples() => Assert.True(Examples().Count() > 40, $"only {Examples().Count()} examples found");

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_draws_exactly_the_diagnostics_its_text_shows(string page, int index)
    {
        Block block = Blocks(File.ReadAllText(Path.Combine(s_root, page)))[index];
        if (block.Kind is "sketch")
        {
            Assert.True(block.Why.Length > 0, $"{page}, example {index + 1}: a sketch says why it is not compiled");
            return;
        }

        (string source, int firstLine) = Complete(block);
        bool program = block.Kind is "program";
        ExampleCompiler.Result compiled = ExampleCompiler.Compile($"Example{index}", source, program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true);

        var expected = Expected(block.Code).ToHashSet();
        var drawn = compiled.Diagnostics
            .Select(d => (Line: d.Location.GetMappedLineSpan().StartLinePosition.Line - firstLine + 1, d.Id, Text: d.GetMessage()))
            .ToList();
        var unexpected = drawn.Where(d => !expected.Contains((d.Line, d.Id))).ToList();
        var missing = expected.Where(e => !drawn.Any(d => d.Line == e.Line && d.Id == e.Id)).ToList();
        Assert.True(unexpected.Count == 0 && missing.Count == 0,
            $"{page}, example {index + 1} ({block.Kind}):\n"
            + string.Concat(unexpected.Select(d => $"  line {d.Line}: {d.Id} drawn, not shown: {d.Text}\n"))
            + string.Concat(missing.Select(e => $"  line {e.Line}: {e.Id} shown, not drawn\n"))
            + "--- compiled as\n" + source);
    }

    private static IEnumerable<string> Pages()
    {
        yield return "README.md";
        foreach (string folder in new[] { "docs", "docs/rules" })
            foreach (string page in Directory.GetFiles(Path.Combine(s_root, folder), "*.md").Order(StringComparer.Ordinal))
                yield return folder + "/" + Path.GetFileName(page);
    }

    /// <summary>The (1-based line, rule) pairs the block's own comments show.</summary>
    private static IEnumerable<(int Line, string Id)> Expected(string code)
    {
        string[] lines = code.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int comment = lines[i].IndexOf("//", StringComparison.Ordinal);
            if (comment < 0 || lines[i].TrimStart().StartsWith("#pragma", StringComparison.Ordinal))
                continue;
            foreach (Match rule in RuleId().Matches(lines[i][comment..]))
                yield return (i + 1, rule.Value);
        }
    }

    /// <summary>The compilable source of a block, and the 0-based line of that source where the block's first line is.</summary>
    private static (string Source, int FirstLine) Complete(Block block)
    {
        string[] lines = block.Code.Split('\n').Select(line => line.Trim() == "..." ? "" : line).ToArray();
        int hoisted = block.Kind is "statements" ? lines.TakeWhile(line => UsingDirective().IsMatch(line) || line.Length == 0).Count() : 0;
        string code = string.Join('\n', lines.Skip(hoisted));
        string helpers = """
                private static void Process(ReadOnlySpan<byte> data) { }
                private static void Use(ReadOnlySpan<byte> data) { }
                private static Task<int> ComputeAsync() => Task.FromResult(0);
                private static int ExpensiveHash(byte[] data) => data.Length;

            """;
        string hoistedUsings = string.Concat(lines.Take(hoisted).Where(line => line.Length > 0).Select(line => line + "\n"));
        string prefix = block.Kind switch
        {
            "program" => "",
            "library" => Usings,
            "members" => Usings + "#pragma warning disable CS0649, CS0169, CS8618\ninternal partial class Example\n{\n" + helpers
                + string.Concat(block.Given.Select(g => $"    private {g};\n")) + "#pragma warning restore CS0649, CS0169, CS8618\n",
            "statements" => hoistedUsings + string.Concat(Usings.Split('\n').Where(line => !hoistedUsings.Contains(line + "\n")).Select(line => line + "\n")) + "#pragma warning disable CS1998, CS8321\ninternal partial class Example\n{\n" + helpers
                + "#pragma warning disable UR0007 // the given buffers are the example's to lend\n"
                + $"    private async Task Body({string.Join(", ", block.Given)})\n#pragma warning restore UR0007\n    {{\n",
            _ => throw new InvalidOperationException($"unknown example kind '{block.Kind}'"),
        };
        string suffix = block.Kind switch
        {
            "members" => "\n}\n",
            "statements" => "\n    }\n}\n",
            _ => "\n",
        };
        return (prefix + code + suffix, prefix.Count(c => c == '\n') - hoisted);
    }

    private sealed record Block(string Code, string Kind, IReadOnlyList<string> Given, string Why);

    /// <summary>The page's <c>csharp</c> fenced blocks, in order, with the directive before each.</summary>
    private static List<Block> Blocks(string markdown)
        => CSharpBlock().Matches(markdown.ReplaceLineEndings("\n")).Select(m =>
        {
            string kind = m.Groups["kind"].Success ? m.Groups["kind"].Value : "statements";
            string given = m.Groups["key"].Value == "given" ? m.Groups["value"].Value : "";
            string why = m.Groups["key"].Value == "why" ? m.Groups["value"].Value.Trim() : "";
            return new Block(m.Groups["code"].Value.TrimEnd('\n'), kind, SplitParameters(given), why);
        }).ToList();

    [GeneratedRegex(@"(?:^<!-- example: (?<kind>\w+)(?:; (?<key>given|why): (?<value>[^\n]*?))? -->\n)?^```csharp\n(?<code>.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    /// <summary>A parameter list split at its top-level commas (<c>Dictionary&lt;int, byte[]&gt; map</c> is one).</summary>
    private static List<string> SplitParameters(string list)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i <= list.Length; i++)
        {
            if (i == list.Length || (list[i] == ',' && depth == 0))
            {
                if (list[start..i].Trim() is { Length: > 0 } part)
                    parts.Add(part);
                start = i + 1;
            }
            else if (list[i] is '<' or '(')
                depth++;
            else if (list[i] is '>' or ')')
                depth--;
        }
        return parts;
    }

    [GeneratedRegex(@"^using [\w.]+;$")]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"\b(?:UR|CS)\d{4}\b")]
    private static partial Regex RuleId();
}
