// Times two or more builds of UringSafe.Analyzers side by side, in the same process and the same rounds, over one generated
// project (bench/analyzer-cost/generate.py): each build's analyzers from its own load context, one analyzer at a time,
// single-threaded, Roslyn's own telemetry; minimum, median and maximum of ROUNDS (after one untimed warm-up round, which
// JITs every build's code), with the compiler's own time as the load gauge; and the process CPU time of each analyzer's
// whole run, which load does not inflate (the difference between two analyzers' runs is the difference of their own cost).
// Usage: dotnet run -c Release --project bench/analyzer-cost/compare -- ROUNDS GENERATED_DIR OLD.dll NEW.dll [...]
// Or, against the SDK's own analyzers on the compilation a real build makes: compare --build ... (BuildMode.cs, sdk.sh).
using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
if (args[0] == "--build")
{
  await BuildMode.Run(args[1..]);
  return;
}
int rounds = int.Parse(args[0]);
string dir = args[1];
var dlls = args.Skip(2).ToArray();
string[] sources = Directory.GetFiles(dir, "*.cs");
var references = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
    .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
    .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
    .Append(MetadataReference.CreateFromFile(typeof(UringSafe.Buffers.IoBuffer).Assembly.Location)).ToList();
var parse = new CSharpParseOptions(LanguageVersion.Latest);
var trees = sources.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, f))
    .Append(CSharpSyntaxTree.ParseText("global using System; global using System.Threading.Tasks;", parse)).ToList();
CSharpCompilation Compile() => CSharpCompilation.Create("AnalyzerCost", trees, references,
    new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
var sets = dlls.Select(d => {
  var ctx = new AssemblyLoadContext(d, false);
  var asm = ctx.LoadFromAssemblyPath(Path.GetFullPath(d));
  return (d, asm.GetTypes().Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() != null).OrderBy(t => t.Name).ToArray());
}).ToArray();
var times = new Dictionary<string, List<double>>();
int round = 0;
void Note(string k, double v) { if (round > 0) (times.TryGetValue(k, out var l) ? l : times[k] = new List<double>()).Add(v); }
for (round = 0; round <= rounds; round++) {
  var sw = Stopwatch.StartNew(); Compile().GetDiagnostics(); Note("compiler", sw.Elapsed.TotalMilliseconds);
  foreach (var (d, types) in sets) foreach (var t in types) {
    var a = (DiagnosticAnalyzer)Activator.CreateInstance(t)!;
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var w = Compile().WithAnalyzers(ImmutableArray.Create(a), new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: true));
    var diags = await w.GetAnalyzerDiagnosticsAsync();
    var tel = await w.GetAnalyzerTelemetryInfoAsync(a, CancellationToken.None);
    Note($"{d} {t.Name} ({diags.Length} diags)", tel.ExecutionTime.TotalMilliseconds);
    // CPU time of the whole run (the compiler's binding of the fresh compilation included, the same for every
    // analyzer): unlike the telemetry's wall clock, it does not grow when other processes take the cores.
    Note($"{d} {t.Name} CPU of the run", (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds);
  }
}
Console.WriteLine("     min   median      max");
foreach (var (k, l) in times.OrderBy(p => p.Key)) {
  l.Sort();
  Console.WriteLine($"{l[0],8:0} {l[l.Count / 2],8:0} {l[^1],8:0} ms  {k}");
}
