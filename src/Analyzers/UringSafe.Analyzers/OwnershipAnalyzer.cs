using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>
/// Runs the ownership dataflow analysis over the control flow graph of every method body, lambda and local function
/// that contains a lending call, and reports UR0001, UR0004, UR0005 and UR0006.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class OwnershipAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.UR0001_BufferUsedWhileLent,
        DiagnosticDescriptors.UR0004_BufferLentTwice,
        DiagnosticDescriptors.UR0005_MemoryNotPinned,
        DiagnosticDescriptors.UR0006_AliasOfLentBufferUsed);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var facts = LendingFacts.For(start.Compilation);
            start.RegisterOperationBlockAction(block => AnalyzeBlock(block, facts));
        });
    }

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, LendingFacts facts)
    {
        // Allocated only when needed: most blocks lend nothing, and most have one operation block.
        OwnershipDiagnostics? diagnostics = null;
        var blocks = context.OperationBlocks;
        HashSet<IOperation>? analyzed = blocks.Length > 1 ? new HashSet<IOperation>() : null;
        foreach (var block in blocks)
        {
            var root = block;
            while (root.Parent != null)
            {
                root = root.Parent;
            }

            if (analyzed != null && !analyzed.Add(root))
            {
                continue;
            }

            var lendingFunctions = LendingFunctions(root, facts, out var lendingBodies, out var foreachLends);
            if (lendingFunctions == null || (!foreachLends && AllTakenBackInPlace(lendingBodies!, context.OwningSymbol, facts)))
            {
                continue;
            }

            // The driver's graph of the block's root: built once and shared with every analyzer that asks for it.
            var cfg = root is IMethodBodyOperation || root is IConstructorBodyOperation || root is IBlockOperation
                ? context.GetControlFlowGraph(block)
                : null;
            if (cfg != null)
            {
                OwnershipDataflow.AnalyzeGraphTree(cfg, root.SemanticModel, facts, diagnostics ??= new OwnershipDiagnostics(), lendingFunctions, context.CancellationToken);
            }
        }

        if (diagnostics == null)
        {
            return;
        }

        // A loop rather than a method group: context.ReportDiagnostic as a delegate boxed the context for every block.
        foreach (var diagnostic in diagnostics.InOrder())
        {
            context.ReportDiagnostic(diagnostic);
        }
    }

    /// <summary>
    /// Null when nothing in the body lends; otherwise the lambdas and local functions that contain a lending call,
    /// directly or in a function nested in them: only their graphs can hold a loan, so only they are analyzed. A
    /// foreach whose enumerator calls lend (<see cref="LendingFacts.IsLendingForEach"/>) is a lending call too, one
    /// the operation tree does not show (<paramref name="foreachLends"/>).
    /// <paramref name="lendingBodies"/> gets the functions (and the body itself) that contain a lending call directly.
    /// </summary>
    private static HashSet<IMethodSymbol>? LendingFunctions(IOperation body, LendingFacts facts, out HashSet<IOperation>? lendingBodies,
        out bool foreachLends)
    {
        HashSet<IMethodSymbol>? functions = null;
        lendingBodies = null;
        foreachLends = false;
        foreach (var operation in body.DescendantsAndSelf())
        {
            if (operation is IForEachLoopOperation loop)
            {
                if (!facts.IsLendingForEach(loop))
                {
                    continue;
                }

                foreachLends = true;
            }
            else if (!(operation is IInvocationOperation invocation) || !facts.IsLendingInvocation(invocation))
            {
                continue;
            }

            // A lending call, or a foreach whose enumerator calls lend (the function holding it is the one that lends).
            functions ??= new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            lendingBodies ??= new HashSet<IOperation>();
            IOperation? innermost = null;
            for (var parent = operation.Parent; parent != null; parent = parent.Parent)
            {
                switch (parent)
                {
                    case IAnonymousFunctionOperation lambda:
                        functions.Add(lambda.Symbol);
                        innermost ??= lambda;
                        break;
                    case ILocalFunctionOperation localFunction:
                        functions.Add(localFunction.Symbol);
                        innermost ??= localFunction;
                        break;
                }
            }

            lendingBodies.Add(innermost ?? body);
        }

        return functions;
    }

    /// <summary>
    /// Whether every function that lends takes each buffer back in the statement that lends it (<see cref="InPlaceTakeBack"/>):
    /// then no graph is needed. Not asked when a foreach lends (the skip does not follow its enumerator's loans).
    /// </summary>
    private static bool AllTakenBackInPlace(HashSet<IOperation> lendingBodies, ISymbol owner, LendingFacts facts)
    {
        foreach (var function in lendingBodies)
        {
            var symbol = function switch
            {
                IAnonymousFunctionOperation lambda => lambda.Symbol,
                ILocalFunctionOperation localFunction => localFunction.Symbol,
                _ => owner,
            };
            if (!InPlaceTakeBack.CoversEveryLoanIn(function, symbol, facts))
            {
                return false;
            }
        }

        return true;
    }
}
