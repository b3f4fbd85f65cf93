using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>
/// What lambdas and local functions capture: the captured locations that are lent when one is created or called
/// (reported as uses), and the outer locations a delegate reads while it may still be running.
/// </summary>
internal sealed class CaptureTracker
{
    private readonly AccessPathResolver _paths;
    private readonly OwnershipUseChecks _uses;
    private readonly CancellationToken _cancellationToken;

    public CaptureTracker(AccessPathResolver paths, OwnershipUseChecks uses, CancellationToken cancellationToken)
    {
        _paths = paths;
        _uses = uses;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Reports captured locations that are lent in <paramref name="state"/> when a local function of <paramref name="cfg"/> is called or referenced.</summary>
    public void CheckLocalFunction(ControlFlowGraph cfg, OwnershipState state, IMethodSymbol method)
    {
        CheckLocalFunctionFrom(cfg, state, method, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default));
    }

    /// <summary>Reports captured locations that are lent in <paramref name="state"/> when a lambda is created.</summary>
    public void CheckLambda(ControlFlowGraph graph, OwnershipState state)
    {
        CheckCaptures(graph, state, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default));
    }

    private void CheckCaptures(ControlFlowGraph graph, OwnershipState state, HashSet<IMethodSymbol> visited)
    {
        foreach (var block in graph.Blocks)
        {
            foreach (var operation in FlowGraphs.Operations(block))
            {
                foreach (var descendant in operation.DescendantsAndSelf())
                {
                    switch (descendant)
                    {
                        case IFlowAnonymousFunctionOperation lambda:
                            CheckCaptures(graph.GetAnonymousFunctionControlFlowGraph(lambda, _cancellationToken), state, visited);
                            continue;
                        case IInvocationOperation call when call.TargetMethod.MethodKind == MethodKind.LocalFunction:
                            CheckLocalFunctionFrom(graph, state, call.TargetMethod, visited);
                            continue;
                        case IFlowCaptureReferenceOperation:
                            continue;
                    }

                    var path = _paths.ResolvePath(descendant, followCaptures: false);
                    if (path != null)
                    {
                        _uses.Use(state, path, descendant.Syntax);
                    }
                }
            }
        }
    }

    private void CheckLocalFunctionFrom(ControlFlowGraph graph, OwnershipState state, IMethodSymbol method, HashSet<IMethodSymbol> visited)
    {
        if (!visited.Add(method.OriginalDefinition))
        {
            return;
        }

        try
        {
            CheckCaptures(graph.GetLocalFunctionControlFlowGraphInScope(method.OriginalDefinition, _cancellationToken), state, visited);
        }
        catch (ArgumentOutOfRangeException)
        {
            // Not declared in this graph's scope.
        }
    }

    /// <summary>The outer locations a lambda (and the lambdas in it) reads.</summary>
    public void CollectCaptures(ControlFlowGraph graph, IMethodSymbol lambda, List<(AccessPath Path, SyntaxNode Syntax)> captured)
    {
        foreach (var block in graph.Blocks)
        {
            foreach (var operation in FlowGraphs.Operations(block))
            {
                foreach (var descendant in operation.DescendantsAndSelf())
                {
                    if (descendant is IFlowAnonymousFunctionOperation nested)
                    {
                        CollectCaptures(graph.GetAnonymousFunctionControlFlowGraph(nested, _cancellationToken), lambda, captured);
                        continue;
                    }

                    if (!(descendant is ILocalReferenceOperation || descendant is IParameterReferenceOperation))
                    {
                        continue;
                    }

                    var path = _paths.ResolvePath(descendant, followCaptures: false);
                    if (path != null && !IsDeclaredIn(path.Root, lambda))
                    {
                        captured.Add((path, descendant.Syntax));
                    }
                }
            }
        }

        static bool IsDeclaredIn(ISymbol symbol, IMethodSymbol function)
        {
            for (var container = symbol.ContainingSymbol; container != null; container = container.ContainingSymbol)
            {
                if (SymbolEqualityComparer.Default.Equals(container, function))
                {
                    return true;
                }

                if (container is INamedTypeSymbol)
                {
                    return false;
                }
            }

            return false;
        }
    }
}
