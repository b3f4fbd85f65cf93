// Compiles the generated project in process and times, single-threaded, the compiler's own binding and diagnostics,
// each UringSafe analyzer's own callbacks (Roslyn's analyzer telemetry), and the control flow graphs the ownership
// dataflow needs. Minimum of ROUNDS rounds, since other load only ever adds time. Usage: [ROUNDS=5]
using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

int rounds = args.Length > 0 ? int.Parse(args[0]) : 5;
string generated = Path.Combine(AppContext.BaseDirectory, "../../../../out");
string[] sources = Directory.GetFiles(generated, "*.cs");
if (sources.Length == 0)
    throw new InvalidOperationException($"No generated sources in {Path.GetFullPath(generated)}: run bench/analyzer-cost/generate.py first.");

var references = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
    .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
    .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
    .Append(MetadataReference.CreateFromFile(typeof(UringSafe.Buffers.IoBuffer).Assembly.Location))
    .ToList();
var parse = new CSharpParseOptions(LanguageVersion.Latest);
var trees = sources.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, f))
    .Append(CSharpSyntaxTree.ParseText("global using System; global using System.Threading.Tasks;", parse)).ToList();
CSharpCompilation Compile() => CSharpCompilation.Create("AnalyzerCost", trees, references,
    new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

var analyzers = new DiagnosticAnalyzer[]
{
    new UringSafe.Analyzers.OwnershipAnalyzer(), new UringSafe.Analyzers.LendingResultAnalyzer(), new UringSafe.Analyzers.ReactorBlockingAnalyzer(),
    new UringSafe.Analyzers.LendsContractAnalyzer(),
};
var best = new SortedDictionary<string, double>(StringComparer.Ordinal);
void Note(string what, double ms) => best[what] = best.TryGetValue(what, out double old) ? Math.Min(old, ms) : ms;

for (int round = 0; round < rounds; round++)
{
    var stopwatch = Stopwatch.StartNew();
    var errors = Compile().GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
    Note("1 compiler: binding and diagnostics (no emit)", stopwatch.Elapsed.TotalMilliseconds);
    if (errors.Count > 0)
        throw new InvalidOperationException("The generated project does not compile: " + errors[0]);

    var compilation = Compile();
    var bodies = new List<IMethodBodyOperation>();
    stopwatch.Restart();
    foreach (SyntaxTree tree in compilation.SyntaxTrees)
    {
        SemanticModel model = compilation.GetSemanticModel(tree);
        foreach (var method in tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
            if (model.GetOperation(method) is IMethodBodyOperation body)
                bodies.Add(body);
    }
    Note("2 semantic models and operation trees of every method (paid by any IOperation analyzer)", stopwatch.Elapsed.TotalMilliseconds);
    stopwatch.Restart();
    foreach (var body in bodies)
        ControlFlowGraph.Create(body);
    Note("3 control flow graphs of every method", stopwatch.Elapsed.TotalMilliseconds);

    foreach (DiagnosticAnalyzer analyzer in analyzers)
    {
        var withAnalyzer = Compile().WithAnalyzers(ImmutableArray.Create(analyzer), new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: true));
        var found = await withAnalyzer.GetAnalyzerDiagnosticsAsync();
        if (!found.IsEmpty)
            throw new InvalidOperationException("The generated project should be clean: " + found[0]);
        var telemetry = await withAnalyzer.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None);
        Note("4 " + analyzer.GetType().Name + " (own callbacks)", telemetry.ExecutionTime.TotalMilliseconds);
    }
}

Console.WriteLine($"{sources.Length} files; minimum of {rounds} rounds, single-threaded:");
foreach (var (what, ms) in best)
    Console.WriteLine($"  {ms,8:0} ms  {what[2..]}");
