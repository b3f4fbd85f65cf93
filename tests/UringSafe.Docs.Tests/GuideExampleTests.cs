using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using UringSafe.Tests.Support;
using Xunit.Abstractions;

namespace UringSafe.Docs.Tests;

/// <summary>
/// Every <c>csharp</c> block of every page in docs/guide is a complete program, taken from the markdown itself (so the
/// guide cannot drift from the API): it compiles with no warning, UringSafe's analyzers and generators included, and then
/// runs against this machine's real io_uring and exits with 0, within a watchdog's limit.
/// </summary>
public sealed partial class GuideExampleTests(ITestOutputHelper log)
{
    /// <summary>Generous: an example is small, but the machine has 2 shared, busy cores.</summary>
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    private static readonly string s_guide = Path.Combine(
        typeof(GuideExampleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "UringSafe.RepoRoot").Value!,
        "docs", "guide");

    /// <summary>One case per example: the page's file name and the example's index on the page.</summary>
    public static TheoryData<string, int> Examples()
    {
        var data = new TheoryData<string, int>();
        foreach (string page in Directory.GetFiles(s_guide, "*.md").Order(StringComparer.Ordinal))
        {
            int count = CSharpBlocks(File.ReadAllText(page)).Count;
            for (int i = 0; i < count; i++)
                data.Add(Path.GetFileName(page), i);
        }
        return data;
    }

    [Fact]
    public void Every_area_has_a_page_with_an_example()
    {
        string[] pages = ["files.md", "sockets.md", "reactor.md", "buffers.md", "errors.md", "kestrel.md", "httpclient.md", "migration.md", "server.md", "file-copy.md", "unavailable.md"];
        foreach (string page in pages)
        {
            string path = Path.Combine(s_guide, page);
            Assert.True(File.Exists(path), $"docs/guide/{page} is missing");
            Assert.True(CSharpBlocks(File.ReadAllText(path)).Count > 0, $"docs/guide/{page} has no csharp example");
            Assert.Contains($"({page})", File.ReadAllText(Path.Combine(s_guide, "README.md")));
        }
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_compiles_cleanly_and_runs(string page, int index)
    {
        string code = CSharpBlocks(File.ReadAllText(Path.Combine(s_guide, page)))[index];
        string name = $"{Path.GetFileNameWithoutExtension(page)}_{index}";

        ExampleCompiler.Result compiled = ExampleCompiler.Compile(name, code);
        Assert.True(compiled.Diagnostics.Count == 0 && compiled.Assembly is not null,
            $"docs/guide/{page}, example {index + 1}, does not build cleanly:\n" + string.Join('\n', compiled.Diagnostics.Select(Describe)));

        (int exitCode, string output) = Run(name, compiled.Assembly!);
        log.WriteLine(output);
        Assert.True(exitCode == 0, $"docs/guide/{page}, example {index + 1}, exited with {exitCode}:\n{output}");
    }

    private static string Describe(Diagnostic d)
    {
        FileLinePositionSpan span = d.Location.GetMappedLineSpan();
        return $"  line {span.StartLinePosition.Line + 1}: {d.Severity} {d.Id}: {d.GetMessage()}";
    }

    /// <summary>
    /// Runs the program's entry point under the watchdog (a thread of its own; a hang fails the test), with its console
    /// output captured. Examples run one at a time (one class), so the console is theirs meanwhile.
    /// </summary>
    private static (int ExitCode, string Output) Run(string name, byte[] image)
    {
        var context = new AssemblyLoadContext(name, isCollectible: true);
        TextWriter stdout = Console.Out, stderr = Console.Error;
        var output = new StringWriter();
        TextWriter captured = TextWriter.Synchronized(output);
        try
        {
            Assembly assembly = context.LoadFromStream(new MemoryStream(image));
            MethodInfo main = assembly.EntryPoint ?? throw new InvalidOperationException($"{name} has no entry point");
            object?[] arguments = main.GetParameters().Length == 0 ? [] : [Array.Empty<string>()];
            Console.SetOut(captured);
            Console.SetError(captured);

            int exitCode = 0;
            Watchdog.RunThread($"guide example {name}", () =>
            {
                try
                {
                    exitCode = main.Invoke(null, arguments) is int code ? code : 0;
                }
                catch (TargetInvocationException e) when (e.InnerException is not null)
                {
                    ExceptionDispatchInfo.Throw(e.InnerException);
                }
            }, s_limit);
            return (exitCode, output.ToString());
        }
        catch (Exception e)
        {
            Assert.Fail($"The example {name} failed: {e}\n--- its output\n{output}");
            throw;
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            context.Unload();
        }
    }

    /// <summary>The page's <c>csharp</c> fenced blocks, in order.</summary>
    private static List<string> CSharpBlocks(string markdown)
        => CSharpBlock().Matches(markdown.ReplaceLineEndings("\n")).Select(m => m.Groups["code"].Value).ToList();

    [GeneratedRegex(@"^```csharp\n(?<code>.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
