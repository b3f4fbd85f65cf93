using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>
/// UR0008: a blocking call (<c>.Wait()</c>, <c>.Result</c>, <c>GetAwaiter().GetResult()</c>, <c>Task.WaitAll</c>/<c>WaitAny</c>,
/// <c>Thread.Sleep</c>, synchronous Stream/File/Socket/Dns I/O) in code that certainly runs on a reactor thread: a lambda,
/// local function or method group passed to <c>UringRuntime.Run</c>, <c>UringReactor.Spawn</c>/<c>Post</c> or
/// <c>UringExecutor.Spawn</c>/<c>SpawnOnEach</c>, and any code after awaiting a UringSafe operation.
/// </summary>
/// <remarks>
/// Methods passed as method groups are found per type (a symbol-start action), so a method of the same type as the call
/// that passes it is covered; one passed from another type is checked only after its own UringSafe awaits.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ReactorBlockingAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property naming the <see cref="BlockingKind"/>, for the code fix.</summary>
    public const string KindProperty = "BlockingKind";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.UR0008_BlockingOnReactor);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var model = new ReactorModel(start.Compilation);
            if (!model.HasReactor)
            {
                return; // nothing in this compilation can run on a reactor
            }

            start.RegisterSymbolStartAction(symbolStart => StartType(symbolStart, model), SymbolKind.NamedType);
        });
    }

    private static void StartType(SymbolStartAnalysisContext context, ReactorModel model)
    {
        // Methods passed as method groups to a reactor entry point, and what each method would report if it ran on one.
        var entryMethods = new ConcurrentDictionary<IMethodSymbol, bool>(SymbolEqualityComparer.Default);
        var onReactorOnly = new ConcurrentDictionary<IMethodSymbol, ImmutableArray<Diagnostic>>(SymbolEqualityComparer.Default);

        context.RegisterOperationBlockStartAction(blockStart =>
        {
            var scan = new BlockScan(model);
            blockStart.RegisterOperationAction(scan.Visit, OperationKind.Invocation, OperationKind.PropertyReference);
            blockStart.RegisterOperationBlockEndAction(blockEnd =>
            {
                foreach (var method in scan.EntryMethods)
                {
                    entryMethods[method] = true;
                }

                if (scan.HasBlockingCall)
                {
                    AnalyzeBlock(blockEnd, model, scan, onReactorOnly);
                }
            });
        });

        context.RegisterSymbolEndAction(end =>
        {
            foreach (var pair in onReactorOnly)
            {
                if (entryMethods.ContainsKey(pair.Key))
                {
                    foreach (var diagnostic in pair.Value)
                    {
                        end.ReportDiagnostic(diagnostic);
                    }
                }
            }
        });
    }

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, ReactorModel model, BlockScan scan,
        ConcurrentDictionary<IMethodSymbol, ImmutableArray<Diagnostic>> onReactorOnly)
    {
        var roots = new HashSet<IOperation>();
        foreach (var block in context.OperationBlocks)
        {
            var root = block;
            while (root.Parent != null)
            {
                root = root.Parent;
            }

            if (!roots.Add(root) || !HasGraph(root))
            {
                continue;
            }

            var graph = context.GetControlFlowGraph(block);
            var reported = Run(graph, entryOnReactor: false, model, scan, context);
            foreach (var diagnostic in reported.Values)
            {
                context.ReportDiagnostic(diagnostic);
            }

            // The method itself may be passed to a reactor entry point somewhere in its type: keep what it adds then.
            if (context.OwningSymbol is IMethodSymbol method && method.MethodKind == MethodKind.Ordinary)
            {
                var extra = ImmutableArray.CreateBuilder<Diagnostic>();
                foreach (var pair in Run(graph, entryOnReactor: true, model, scan, context))
                {
                    if (!reported.ContainsKey(pair.Key))
                    {
                        extra.Add(pair.Value);
                    }
                }

                if (extra.Count > 0)
                {
                    onReactorOnly[method.OriginalDefinition] = extra.ToImmutable();
                }
            }
        }
    }

    private static Dictionary<Location, Diagnostic> Run(ControlFlowGraph graph, bool entryOnReactor, ReactorModel model, BlockScan scan,
        OperationBlockAnalysisContext context)
    {
        var found = new Dictionary<Location, Diagnostic>();
        ReactorFlow.Analyze(graph, entryOnReactor, model, scan.IsEntryFunction, (operation, call, waitsForever) =>
        {
            var location = operation.Syntax.GetLocation();
            if (!found.ContainsKey(location))
            {
                // Blocking on a UringSafe operation is a certain deadlock, not a stall: an error even in the default mode
                // (an .editorconfig severity for UR0008 still wins).
                found[location] = Diagnostic.Create(DiagnosticDescriptors.UR0008_BlockingOnReactor, location,
                    waitsForever ? DiagnosticSeverity.Error : DiagnosticDescriptors.UR0008_BlockingOnReactor.DefaultSeverity,
                    additionalLocations: null,
                    ImmutableDictionary<string, string?>.Empty.Add(KindProperty, call.Kind.ToString()),
                    call.Name, waitsForever ? WaitsForeverAdvice(call) : Advice(call));
            }
        }, context.CancellationToken);
        return found;
    }

    private static bool HasGraph(IOperation root) =>
        root is IMethodBodyOperation || root is IConstructorBodyOperation || root is IBlockOperation
        || root is IFieldInitializerOperation || root is IPropertyInitializerOperation;

    private static string WaitsForeverAdvice(BlockingCall call)
    {
        var task = call.Task;
        while (task is IInvocationOperation wrapper && wrapper.Instance != null
            && (LendingModel.IsTaskWrapper(wrapper) || wrapper.TargetMethod.Name == "GetAwaiter"))
        {
            task = LendingModel.StripConversions(wrapper.Instance);
        }

        var name = task is IInvocationOperation operation ? "'" + operation.TargetMethod.Name + "'" : "the task";
        return name + " is a UringSafe operation, which completes only when this reactor thread reaps it, so it cannot complete while this thread waits"
            + " (a deadlock, or InvalidOperationException from a pending ValueTask); await it instead";
    }

    private static string Advice(BlockingCall call)
    {
        switch (call.Kind)
        {
            case BlockingKind.WaitAll:
                return "await Task.WhenAll instead";
            case BlockingKind.WaitAny:
                return "await Task.WhenAny instead";
            case BlockingKind.Sleep:
                return "await UringReactor.Current.Delay (or Task.Delay) instead";
            case BlockingKind.SynchronousIo:
                return "await " + call.Name.Substring(call.Name.LastIndexOf('.') + 1) + "Async, or use UringSafe's own file and socket types, instead";
            default:
                return "await the task instead";
        }
    }

    /// <summary>What one operation block contains: blocking calls, and functions it passes to a reactor entry point.</summary>
    private sealed class BlockScan
    {
        private readonly ReactorModel _model;
        private readonly object _gate = new object();
        private readonly HashSet<IMethodSymbol> _entryFunctions = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        private readonly List<IMethodSymbol> _entryMethods = new List<IMethodSymbol>();
        private volatile bool _hasBlockingCall;

        public BlockScan(ReactorModel model) => _model = model;

        public bool HasBlockingCall => _hasBlockingCall;

        /// <summary>Methods (not lambdas or local functions) passed as method groups to a reactor entry point.</summary>
        public IReadOnlyList<IMethodSymbol> EntryMethods => _entryMethods;

        public bool IsEntryFunction(IMethodSymbol function)
        {
            lock (_gate)
            {
                return _entryFunctions.Contains(function.OriginalDefinition);
            }
        }

        public void Visit(OperationAnalysisContext context)
        {
            if (!_hasBlockingCall && _model.Classify(context.Operation) != null)
            {
                _hasBlockingCall = true;
            }

            if (context.Operation is IInvocationOperation invocation && _model.IsReactorEntry(invocation.TargetMethod))
            {
                foreach (var argument in invocation.Arguments)
                {
                    AddEntry(argument.Value);
                }
            }
        }

        private void AddEntry(IOperation value)
        {
            while (value is IConversionOperation || value is IDelegateCreationOperation || value is IParenthesizedOperation)
            {
                value = value is IConversionOperation conversion ? conversion.Operand
                    : value is IDelegateCreationOperation creation ? creation.Target
                    : ((IParenthesizedOperation)value).Operand;
            }

            lock (_gate)
            {
                switch (value)
                {
                    case IAnonymousFunctionOperation lambda:
                        _entryFunctions.Add(lambda.Symbol.OriginalDefinition);
                        break;
                    case IMethodReferenceOperation reference when reference.Method.MethodKind == MethodKind.LocalFunction:
                        _entryFunctions.Add(reference.Method.OriginalDefinition);
                        break;
                    case IMethodReferenceOperation reference:
                        _entryMethods.Add(reference.Method.OriginalDefinition);
                        break;
                }
            }
        }
    }
}
