using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace UringSafe.Docs.Tests;

/// <summary>
/// Compiles one example in memory (a console program unless told otherwise), the way a consumer of the package builds it: C# with
/// nullable and the console template's implicit usings, references to the framework (with ASP.NET Core), UringSafe and
/// UringSafe.AspNetCore, and UringSafe's generators and ownership analyzers running. The references, generators and
/// analyzers are set up once for every example.
/// </summary>
internal static class ExampleCompiler
{
    /// <summary>The implicit usings of a console project (Microsoft.NET.Sdk, ImplicitUsings=enable).</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    private static readonly CSharpParseOptions s_parse = new(LanguageVersion.CSharp12);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(References);

    private static readonly Lazy<(ImmutableArray<DiagnosticAnalyzer> Analyzers, ImmutableArray<ISourceGenerator> Generators)> s_tools = new(Tools);

    /// <summary>The result: the assembly's bytes when it compiled, and every diagnostic that a consumer's build would show.</summary>
    public sealed record Result(byte[]? Assembly, IReadOnlyList<Diagnostic> Diagnostics);

    public static Result Compile(string name, string code, OutputKind kind = OutputKind.ConsoleApplication, bool allowUnsafe = false)
    {
        CSharpCompilation compilation = CSharpCompilation.Create(
            name,
            [CSharpSyntaxTree.ParseText(code, s_parse, path: name + ".cs"), CSharpSyntaxTree.ParseText(ImplicitUsings, s_parse, path: "GlobalUsings.g.cs")],
            s_references.Value,
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: allowUnsafe));

        (ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableArray<ISourceGenerator> generators) = s_tools.Value;
        CSharpGeneratorDriver.Create(generators, parseOptions: s_parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out ImmutableArray<Diagnostic> generatorDiagnostics);

        ImmutableArray<Diagnostic> analysis = generated.WithAnalyzers(analyzers).GetAllDiagnosticsAsync().GetAwaiter().GetResult();
        var shown = generatorDiagnostics.Concat(analysis).Where(Shown).Distinct().ToList();

        using var pe = new MemoryStream();
        var emit = generated.Emit(pe);
        shown.AddRange(emit.Diagnostics.Where(Shown).Where(d => !shown.Contains(d)));
        return new Result(emit.Success ? pe.ToArray() : null, shown);
    }

    /// <summary>Warnings and errors (a consumer's TreatWarningsAsErrors), and every UringSafe rule above hidden (Strict mode).</summary>
    private static bool Shown(Diagnostic d)
        => d.Severity >= DiagnosticSeverity.Warning || (d.Id.StartsWith("UR", StringComparison.Ordinal) && d.Severity >= DiagnosticSeverity.Info);

    /// <summary>The shared framework's assemblies (this process runs on .NET and ASP.NET Core) and UringSafe's.</summary>
    private static ImmutableArray<MetadataReference> References()
    {
        string[] trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        string[] frameworks =
        [
            Path.GetDirectoryName(typeof(object).Assembly.Location)!,
            Path.GetDirectoryName(typeof(Microsoft.AspNetCore.Builder.WebApplication).Assembly.Location)!,
        ];
        string[] uringSafe = [typeof(UringSafe.Async.UringRuntime).Assembly.Location, typeof(Microsoft.AspNetCore.Hosting.WebHostBuilderUringSafeExtensions).Assembly.Location];
        return trusted
            .Where(path => frameworks.Contains(Path.GetDirectoryName(path)) && IsManagedAssembly(path))
            .Concat(uringSafe)
            .Distinct()
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    /// <summary>Every analyzer and generator in the UringSafe.Analyzers and UringSafe.Generators assemblies (as the package ships them).</summary>
    private static (ImmutableArray<DiagnosticAnalyzer>, ImmutableArray<ISourceGenerator>) Tools()
    {
        Assembly[] assemblies = [Assembly.Load("UringSafe.Analyzers"), Assembly.Load("UringSafe.Generators")];
        Type[] types = assemblies.SelectMany(a => a.GetTypes()).Where(t => !t.IsAbstract).ToArray();
        var analyzers = types
            .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any(a => a.Languages.Contains(LanguageNames.CSharp)))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        var generators = types
            .Where(t => t.GetCustomAttributes<GeneratorAttribute>().Any())
            .Select(t => Activator.CreateInstance(t) switch
            {
                IIncrementalGenerator incremental => incremental.AsSourceGenerator(),
                ISourceGenerator generator => generator,
                var other => throw new InvalidOperationException($"{other} is marked [Generator] but is no generator"),
            })
            .ToImmutableArray();
        Assert.NotEmpty(analyzers);
        Assert.NotEmpty(generators);
        return (analyzers, generators);
    }
}
