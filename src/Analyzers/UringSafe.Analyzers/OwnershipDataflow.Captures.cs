using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>Captures and scopes: lambdas and local functions that capture lent locations, and pinned or stack memory whose scope ends while lent.</summary>
internal sealed partial class OwnershipDataflow
{
    private SyntaxNode? CapturedSyntax(IFlowCaptureReferenceOperation reference)
    {
        if (_captures.TryGetValue(reference.Id, out var values) && values.Count > 0)
        {
            return values[0].Syntax;
        }

        return null;
    }

    private void CheckLocalFunction(IMethodSymbol method, HashSet<IMethodSymbol> visited)
    {
        if (!visited.Add(method.OriginalDefinition))
        {
            return;
        }

        ControlFlowGraph? graph = null;
        try
        {
            graph = _cfg.GetLocalFunctionControlFlowGraphInScope(method.OriginalDefinition, _cancellationToken);
        }
        catch (ArgumentOutOfRangeException)
        {
            // Not declared in this graph's scope.
        }

        if (graph != null)
        {
            CheckCaptures(graph, visited);
        }
    }

    /// <summary>Reports captured locations that are lent when a lambda is created or a local function is called.</summary>
    private void CheckCaptures(ControlFlowGraph graph, HashSet<IMethodSymbol> visited)
    {
        if (!_reporting)
        {
            return;
        }

        foreach (var block in graph.Blocks)
        {
            foreach (var operation in BlockOperations(block))
            {
                foreach (var descendant in operation.DescendantsAndSelf())
                {
                    switch (descendant)
                    {
                        case IFlowAnonymousFunctionOperation lambda:
                            CheckCaptures(graph.GetAnonymousFunctionControlFlowGraph(lambda, _cancellationToken), visited);
                            continue;
                        case IInvocationOperation call when call.TargetMethod.MethodKind == MethodKind.LocalFunction:
                            CheckLocalFunctionFrom(graph, call.TargetMethod, visited);
                            continue;
                        case IFlowCaptureReferenceOperation:
                            continue;
                    }

                    var path = ResolvePath(descendant, followCaptures: false);
                    if (path != null)
                    {
                        Use(path, descendant.Syntax);
                    }
                }
            }
        }
    }

    private void CheckLocalFunctionFrom(ControlFlowGraph graph, IMethodSymbol method, HashSet<IMethodSymbol> visited)
    {
        if (!visited.Add(method.OriginalDefinition))
        {
            return;
        }

        try
        {
            CheckCaptures(graph.GetLocalFunctionControlFlowGraphInScope(method.OriginalDefinition, _cancellationToken), visited);
        }
        catch (ArgumentOutOfRangeException)
        {
            // Not declared in scope.
        }
    }

    private void CheckLeavingRegions(ControlFlowBranch branch, OwnershipState state)
    {
        foreach (var region in branch.LeavingRegions)
        {
            foreach (var local in region.Locals)
            {
                if (!local.IsFixed)
                {
                    continue;
                }

                foreach (var pair in state.Loans)
                {
                    if ((pair.Value & LoanFlags.InFlight) != 0
                        && _loanInfo.TryGetValue(pair.Key, out var info)
                        && info.Origin?.FixedLocal != null
                        && SymbolEqualityComparer.Default.Equals(info.Origin.FixedLocal, local))
                    {
                        Report(DiagnosticDescriptors.UR0005_MemoryNotPinned, info.OriginSyntax!, info.OriginSyntax!.ToString(), "fixed-pinned");
                    }
                }
            }
        }
    }

    private void CheckStackLoansAtExit(OwnershipState state)
    {
        foreach (var pair in state.Loans)
        {
            if ((pair.Value & LoanFlags.InFlight) != 0
                && _loanInfo.TryGetValue(pair.Key, out var info)
                && info.Origin != null)
            {
                var kind = info.Origin.FixedLocal == null ? "stack" : "fixed-pinned";
                Report(DiagnosticDescriptors.UR0005_MemoryNotPinned, info.OriginSyntax!, info.OriginSyntax!.ToString(), kind);
            }
        }
    }
}
