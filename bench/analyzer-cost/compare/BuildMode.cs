// compare --build: UringSafe's analyzers against the SDK's own analyzers (NetAnalyzers), on the compilation a real
// `dotnet build` makes. Reads the csc command line that build passed (sdk.sh takes it from a -v:n log): the same sources
// (obj/'s generated ones included), references, options, /analyzerconfig files (the SDK's default AnalysisLevel
// globalconfig among them, which turns most CA rules off, and the driver then does not run an analyzer whose rules are
// all off) and /analyzer assemblies. The source generators run once, outside the timing. Then, each round, on a fresh
// compilation each: the compiler alone (the baseline), each UringSafe analyzer alone, UringSafe's together, each SDK
// analyzer assembly alone, the SDK's together, and the SDK's with UringSafe's. Single-threaded; for each run, the process
// CPU time less the baseline's CPU time in the same round (the analyzers' own CPU, which load does not inflate) and the
// sum of Roslyn's per-analyzer telemetry (wall clock inside the callbacks); min, median, max over the rounds, after one
// untimed warm-up round.
// Usage: compare --build ROUNDS CSC_COMMAND_LINE_FILE PROJECT_DIR [URINGSAFE.Analyzers.dll ...]
// (UringSafe.Analyzers.dll builds given here replace the one on the command line, each as a group of its own: before
// and after in the same rounds.)
using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

static class BuildMode
{
    public static async Task Run(string[] args)
    {
        int rounds = int.Parse(args[0]);
        string line = File.ReadAllText(args[1]).Trim();
        string projectDir = Path.GetFullPath(args[2]);
        var uringOverride = args.Skip(3).Select(Path.GetFullPath).ToArray();

        var split = CommandLineParser.SplitCommandLineIntoArguments(line, removeHashComments: false).ToList();
        split = split.Skip(split.FindIndex(a => a == "/noconfig")).ToList();
        var cl = CSharpCommandLineParser.Default.Parse(split, projectDir, sdkDirectory: null);
        foreach (var d in cl.Errors) Console.Error.WriteLine(d);

        var trees = cl.SourceFiles.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f.Path), cl.ParseOptions, f.Path)).ToList();
        var references = cl.MetadataReferences.Select(r => (MetadataReference)MetadataReference.CreateFromFile(r.Reference, r.Properties)).ToList();
        var configs = cl.AnalyzerConfigPaths.Select(p => AnalyzerConfig.Parse(File.ReadAllText(p), p)).ToImmutableArray();
        var configSet = AnalyzerConfigSet.Create(configs);
        var global = configSet.GlobalConfigOptions;

        // The /analyzer assemblies, one load context per folder (an assembly's helpers sit beside it).
        var contexts = new Dictionary<string, AssemblyLoadContext>();
        Assembly Load(string path)
        {
            string dir = Path.GetDirectoryName(path)!;
            if (!contexts.TryGetValue(dir, out var ctx))
            {
                ctx = contexts[dir] = new AssemblyLoadContext(dir + "#" + contexts.Count, false);
                ctx.Resolving += (c, name) => File.Exists(Path.Combine(dir, name.Name + ".dll")) ? c.LoadFromAssemblyPath(Path.Combine(dir, name.Name + ".dll")) : null;
            }
            return ctx.LoadFromAssemblyPath(path);
        }
        Type[] Types(Assembly a)
        {
            try { return a.GetTypes(); }
            catch (ReflectionTypeLoadException e) { return e.Types.Where(t => t != null).ToArray()!; }
        }
        DiagnosticAnalyzer[] Analyzers(Assembly a) => Types(a)
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t)
                && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is { } attr && attr.Languages.Contains(LanguageNames.CSharp))
            .OrderBy(t => t.FullName).Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!).ToArray();

        var analyzerPaths = cl.AnalyzerReferences.Select(r => Path.GetFullPath(r.FilePath)).ToList();
        bool IsUringSafe(string p) => Path.GetFileName(p) == "UringSafe.Analyzers.dll";
        bool IsSdk(string p) => Path.GetFileName(p) is "Microsoft.CodeAnalysis.NetAnalyzers.dll" or "Microsoft.CodeAnalysis.CSharp.NetAnalyzers.dll";
        var assemblies = analyzerPaths.Where(p => !(IsUringSafe(p) && uringOverride.Length > 0)).Concat(uringOverride)
            .Select(p => (path: p, asm: Load(p))).ToList();

        // Generators (the ref pack's, UringSafe's), once: the analyzers see what the build's analyzers see.
        var generators = assemblies.SelectMany(x => Types(x.asm)).Where(t => !t.IsAbstract && t.GetCustomAttribute<GeneratorAttribute>() != null)
            .Select(t => Activator.CreateInstance(t) switch
            {
                IIncrementalGenerator g => g.AsSourceGenerator(),
                ISourceGenerator g => g,
                _ => null,
            }).Where(g => g != null).Select(g => g!).ToList();
        var treeOptions = new Dictionary<SyntaxTree, AnalyzerConfigOptionsResult>();
        var filteredByDefault = new HashSet<string>();
        foreach (var t in trees) treeOptions[t] = configSet.GetOptionsForSourcePath(t.FilePath);
        var optionsProvider = new OptionsProvider(treeOptions, global.AnalyzerOptions);
        CSharpCompilation Create(IEnumerable<SyntaxTree> ts) => CSharpCompilation.Create(cl.CompilationName, ts, references,
            cl.CompilationOptions.WithSyntaxTreeOptionsProvider(new TreeOptionsProvider(treeOptions, global.TreeOptions, filteredByDefault)));
        var genDriver = CSharpGeneratorDriver.Create(generators, parseOptions: cl.ParseOptions, optionsProvider: optionsProvider);
        genDriver.RunGeneratorsAndUpdateCompilation(Create(trees), out var generated, out var genDiags);
        var generatedTrees = generated.SyntaxTrees.Except(trees).ToList();
        foreach (var t in generatedTrees) treeOptions[t] = configSet.GetOptionsForSourcePath(t.FilePath);
        var allTrees = generated.SyntaxTrees.ToList();
        CSharpCompilation Compile() => Create(allTrees);
        var baseDiags = Compile().GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Console.WriteLine($"{trees.Count} source trees, {generatedTrees.Count} generated by {generators.Count} generators, {references.Count} references, " +
            $"{configs.Length} analyzer configs ({string.Join(", ", cl.AnalyzerConfigPaths.Select(Path.GetFileName))}); compiler warnings+errors: {baseDiags.Count}");
        foreach (var d in baseDiags.Take(5)) Console.WriteLine("  " + d);

        // The runs: name -> analyzers.
        var runs = new List<(string name, DiagnosticAnalyzer[] analyzers)>();
        var uringGroups = assemblies.Where(x => IsUringSafe(x.path)).Select(x => (label: uringOverride.Length > 1 ? x.path : "UringSafe", analyzers: Analyzers(x.asm))).ToList();
        var sdk = assemblies.Where(x => IsSdk(x.path)).Select(x => (label: Path.GetFileNameWithoutExtension(x.path), analyzers: Analyzers(x.asm))).ToList();
        foreach (var (label, analyzers) in uringGroups)
        {
            foreach (var a in analyzers) runs.Add(($"{label} {a.GetType().Name}", new[] { a }));
            runs.Add(($"{label} (all {analyzers.Length})", analyzers));
        }
        foreach (var (label, analyzers) in sdk) runs.Add(($"SDK {label} ({analyzers.Length} analyzers)", analyzers));
        var sdkAll = sdk.SelectMany(s => s.analyzers).ToArray();
        runs.Add(($"SDK NetAnalyzers (both assemblies)", sdkAll));
        var others = assemblies.Where(x => !IsSdk(x.path) && !IsUringSafe(x.path)).SelectMany(x => Analyzers(x.asm)).ToArray();
        // The others (the ref pack's interop, regex and JSON analyzers) do almost nothing here: their run is about the
        // driver's own cost, paid once by any set of analyzers.
        runs.Add(($"others on the command line ({others.Length})", others));
        runs.Add(("the build without UringSafe (SDK + others)", sdkAll.Concat(others).ToArray()));
        foreach (var (label, analyzers) in uringGroups)
        {
            runs.Add(($"the build with {label} (SDK + others + {label})", sdkAll.Concat(others).Concat(analyzers).ToArray()));
            runs.Add(($"the build without the SDK's ({label} + others)", analyzers.Concat(others).ToArray()));
        }

        // COMPARE_ONLY=regex keeps only the runs whose name matches (for a profiler: one group's runs alone).
        if (Environment.GetEnvironmentVariable("COMPARE_ONLY") is { Length: > 0 } only)
            runs.RemoveAll(r => !System.Text.RegularExpressions.Regex.IsMatch(r.name, only));
        // csc does not run an analyzer whose rules are all Hidden or Info in a build without /errorlog (its driver's
        // severity filter, which CompilationWithAnalyzers does not take): those rules are turned off here instead.
        var specific = cl.CompilationOptions.SpecificDiagnosticOptions;
        foreach (var d in runs.SelectMany(r => r.analyzers).Concat(others).Distinct().SelectMany(a => a.SupportedDiagnostics))
            if (d.IsEnabledByDefault && d.DefaultSeverity <= DiagnosticSeverity.Info && !specific.ContainsKey(d.Id))
                filteredByDefault.Add(d.Id);
        var options = new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, optionsProvider);
        var cpuOf = new Dictionary<string, List<double>>();
        var telOf = new Dictionary<string, List<double>>();
        // Bytes allocated by the run less the baseline's: not moved by the machine's load, unlike CPU and telemetry.
        var allocOf = new Dictionary<string, List<double>>();
        static double Allocated() => GC.GetTotalAllocatedBytes(precise: true) / 1048576.0;
        var perAnalyzer = new Dictionary<string, List<double>>();
        var diagCounts = new Dictionary<string, string>();
        static void Add(Dictionary<string, List<double>> d, string k, double v) => (d.TryGetValue(k, out var l) ? l : d[k] = new List<double>()).Add(v);
        static TimeSpan Cpu() => Process.GetCurrentProcess().TotalProcessorTime;
        for (int round = 0; round <= rounds; round++)
        {
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            var a0 = Allocated(); var c0 = Cpu(); var sw = Stopwatch.StartNew();
            Compile().GetDiagnostics();
            double baseCpu = (Cpu() - c0).TotalMilliseconds, baseWall = sw.Elapsed.TotalMilliseconds, baseAlloc = Allocated() - a0;
            if (round > 0) { Add(cpuOf, "compiler alone (baseline): CPU", baseCpu); Add(telOf, "compiler alone (baseline): wall", baseWall); }
            foreach (var (name, analyzers) in runs)
            {
                GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
                var alloc0 = Allocated(); var c = Cpu();
                var w = Compile().WithAnalyzers(analyzers.ToImmutableArray(), new CompilationWithAnalyzersOptions(options, null, concurrentAnalysis: false, logAnalyzerExecutionTime: true));
                var diags = await w.GetAnalyzerDiagnosticsAsync();
                double cpu = (Cpu() - c).TotalMilliseconds - baseCpu;
                double alloc = Allocated() - alloc0 - baseAlloc;
                double tel = 0;
                foreach (var a in analyzers)
                {
                    double ms = (await w.GetAnalyzerTelemetryInfoAsync(a, CancellationToken.None)).ExecutionTime.TotalMilliseconds;
                    tel += ms;
                    if (round > 0 && analyzers == sdkAll) Add(perAnalyzer, a.GetType().Name, ms);
                }
                diagCounts[name] = string.Join(" ", diags.GroupBy(d => d.Id).OrderBy(g => g.Key).Select(g => $"{g.Key}x{g.Count()}"));
                if (round > 0) { Add(cpuOf, name, cpu); Add(telOf, name, tel); Add(allocOf, name, alloc); }
            }
            Console.Error.WriteLine($"round {round} done (baseline CPU {baseCpu:0} ms, wall {baseWall:0} ms)");
        }
        // What each adds to the whole build, paired within each round.
        void Paired(string name, string with, string without)
        {
            foreach (var d in new[] { cpuOf, telOf })
                if (d.ContainsKey(with) && d.ContainsKey(without)) d[name] = d[with].Zip(d[without], (a, b) => a - b).ToList();
        }
        foreach (var (label, _) in uringGroups)
        {
            string with = $"the build with {label} (SDK + others + {label})";
            Paired($"{label}'s share of the build (with - without UringSafe)", with, "the build without UringSafe (SDK + others)");
            Paired($"the SDK's share of the build with {label} (with - without the SDK's)", with, $"the build without the SDK's ({label} + others)");
        }
        static string Mmm(List<double> l0) { var l = l0.OrderBy(x => x).ToList(); return $"{l[0],7:0} {l[l.Count / 2],7:0} {l[^1],7:0}"; }
        Console.WriteLine($"{rounds} rounds, single-threaded; CPU = process CPU of the run less the baseline's in the same round; telemetry = sum of the analyzers' ExecutionTime");
        Console.WriteLine($"{"CPU min",7} {"median",7} {"max",7} | {"tel min",7} {"median",7} {"max",7} ms  run [diagnostics]");
        foreach (var k in cpuOf.Keys)
        {
            string tk = k.StartsWith("compiler") ? "compiler alone (baseline): wall" : k;
            Console.WriteLine($"{Mmm(cpuOf[k])} | {Mmm(telOf[tk])} ms  {k} {(diagCounts.TryGetValue(k, out var dc) && dc.Length > 0 ? "[" + dc + "]" : "")}");
        }
        Console.WriteLine("allocated MB (the run's less the baseline's; telemetry calls included), min / median / max:");
        foreach (var k in allocOf.Keys)
        {
            var l = allocOf[k].OrderBy(x => x).ToList();
            Console.WriteLine($"{l[0],7:0.0} {l[l.Count / 2],7:0.0} {l[^1],7:0.0} MB  {k}");
        }
        Console.WriteLine("SDK analyzers that ran longest (telemetry median, run with both SDK assemblies):");
        foreach (var (k, l) in perAnalyzer.Select(p => (p.Key, p.Value)).OrderByDescending(p => p.Value.OrderBy(x => x).ElementAt(p.Value.Count / 2)).Take(8))
            Console.WriteLine($"  {l.OrderBy(x => x).ElementAt(l.Count / 2),7:0} ms  {k}");
    }

    sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
        public override IEnumerable<string> Keys => values.Keys;
    }

    sealed class OptionsProvider(Dictionary<SyntaxTree, AnalyzerConfigOptionsResult> trees, ImmutableDictionary<string, string> global) : AnalyzerConfigOptionsProvider
    {
        readonly AnalyzerConfigOptions globalOptions = new Options(global);
        readonly AnalyzerConfigOptions empty = new Options(ImmutableDictionary<string, string>.Empty);
        public override AnalyzerConfigOptions GlobalOptions => globalOptions;
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => trees.TryGetValue(tree, out var r) ? new Options(r.AnalyzerOptions) : globalOptions;
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => empty;
    }

    // As csc's: a tree's severities from the editorconfig sections that match it, then the global configs'; and, as csc's
    // severity filter does, Hidden and Info turned off (filteredByDefault: the rules that are Hidden or Info by default).
    sealed class TreeOptionsProvider(Dictionary<SyntaxTree, AnalyzerConfigOptionsResult> trees, ImmutableDictionary<string, ReportDiagnostic> global,
        HashSet<string> filteredByDefault) : SyntaxTreeOptionsProvider
    {
        static ReportDiagnostic Filter(ReportDiagnostic r) => r is ReportDiagnostic.Hidden or ReportDiagnostic.Info ? ReportDiagnostic.Suppress : r;
        public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) =>
            trees.TryGetValue(tree, out var r) && r.AnalyzerOptions.TryGetValue("generated_code", out var v) && bool.TryParse(v, out var b)
                ? (b ? GeneratedKind.MarkedGenerated : GeneratedKind.NotGenerated) : GeneratedKind.Unknown;
        public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = default;
            if (!trees.TryGetValue(tree, out var r) || !r.TreeOptions.TryGetValue(diagnosticId, out severity)) return false;
            severity = Filter(severity);
            return true;
        }
        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            if (global.TryGetValue(diagnosticId, out severity)) { severity = Filter(severity); return true; }
            severity = ReportDiagnostic.Suppress;
            return filteredByDefault.Contains(diagnosticId);
        }
    }
}
