using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
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
            var facts = new LendingFacts(start.Compilation);
            start.RegisterOperationBlockAction(block => AnalyzeBlock(block, facts));
        });
    }

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, LendingFacts facts)
    {
        var diagnostics = new OwnershipDiagnostics();
        var analyzed = new HashSet<IOperation>();
        foreach (var block in context.OperationBlocks)
        {
            var root = block;
            while (root.Parent != null)
            {
                root = root.Parent;
            }

            if (!analyzed.Add(root) || !ContainsLendingCall(root, facts))
            {
                continue;
            }

            var cfg = GetGraph(context, root);
            if (cfg != null)
            {
                OwnershipDataflow.AnalyzeGraphTree(cfg, root.SemanticModel, facts, diagnostics, context.CancellationToken);
            }
        }

        diagnostics.ReportTo(context.ReportDiagnostic);
    }

    private static ControlFlowGraph? GetGraph(OperationBlockAnalysisContext context, IOperation root)
    {
        if (context.OperationBlocks.Contains(root))
        {
            return root is IMethodBodyOperation || root is IConstructorBodyOperation || root is IBlockOperation
                ? context.GetControlFlowGraph(root)
                : null;
        }

        switch (root)
        {
            case IMethodBodyOperation methodBody:
                return ControlFlowGraph.Create(methodBody, context.CancellationToken);
            case IConstructorBodyOperation constructorBody:
                return ControlFlowGraph.Create(constructorBody, context.CancellationToken);
            case IBlockOperation body:
                return ControlFlowGraph.Create(body, context.CancellationToken);
            default:
                return null;
        }
    }

    private static bool ContainsLendingCall(IOperation block, LendingFacts facts)
    {
        foreach (var operation in block.DescendantsAndSelf())
        {
            if (operation is IInvocationOperation invocation && facts.IsLendingInvocation(invocation))
            {
                return true;
            }
        }

        return false;
    }
}
