using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>
/// Forward may-dataflow over one <see cref="ControlFlowGraph"/>: a worklist iterates the transfer function over the
/// basic blocks until the per-block entry states reach a fixpoint, then a final pass replays each block with its
/// stable entry state and reports diagnostics. Catch and finally entries reached by an exception are joined with
/// every intermediate state of every block of the protected try region (conservative exceptional flow). A normal
/// branch that leaves try regions flows through their finally regions, in a context of its own, and resumes at its
/// destination with the state the last finally ends with.
/// </summary>
internal sealed class OwnershipDataflow
{
    private readonly ControlFlowGraph _cfg;
    private readonly CancellationToken _cancellationToken;
    private readonly AccessPathResolver _paths = new AccessPathResolver();
    private readonly PinnedScopeChecks _pinned;
    private readonly OwnershipTransfer _transfer;
    private readonly LendingFacts _facts;

    private OwnershipDataflow(ControlFlowGraph cfg, SemanticModel? model, LendingFacts facts, OwnershipDiagnostics diagnostics, CancellationToken cancellationToken)
    {
        _cfg = cfg;
        _facts = facts;
        _cancellationToken = cancellationToken;
        var loans = new Dictionary<IOperation, LoanInfo>(OwnershipState.OperationComparer);
        var uses = new OwnershipUseChecks(diagnostics, facts, model, loans);
        _pinned = new PinnedScopeChecks(loans, uses);
        _transfer = new OwnershipTransfer(cfg, facts, _paths, loans, uses, new CaptureTracker(_paths, uses, cancellationToken), model, cancellationToken);
    }

    /// <summary>Analyzes a graph, then the graphs of the local functions and lambdas nested in it that lend (<paramref name="lendingFunctions"/>).</summary>
    /// <remarks>
    /// <paramref name="model"/> is the semantic model of the analyzed code: operations inside a control flow graph
    /// carry none with the compiler's Roslyn (only the test host's older one sets it). A function without a lending
    /// call holds no loan of its own, so nothing in it can be reported: its graph is not even built.
    /// </remarks>
    public static void AnalyzeGraphTree(ControlFlowGraph cfg, SemanticModel? model, LendingFacts facts, OwnershipDiagnostics diagnostics,
        HashSet<IMethodSymbol> lendingFunctions, CancellationToken cancellationToken)
    {
        new OwnershipDataflow(cfg, model, facts, diagnostics, cancellationToken).Run();

        foreach (var localFunction in cfg.LocalFunctions)
        {
            if (lendingFunctions.Contains(localFunction))
            {
                AnalyzeGraphTree(cfg.GetLocalFunctionControlFlowGraph(localFunction, cancellationToken), model, facts, diagnostics, lendingFunctions, cancellationToken);
            }
        }

        foreach (var block in cfg.Blocks)
        {
            foreach (var operation in FlowGraphs.Operations(block))
            {
                foreach (var descendant in operation.DescendantsAndSelf())
                {
                    if (descendant is IFlowAnonymousFunctionOperation lambda && lendingFunctions.Contains(lambda.Symbol))
                    {
                        AnalyzeGraphTree(cfg.GetAnonymousFunctionControlFlowGraph(lambda, cancellationToken), model, facts, diagnostics, lendingFunctions, cancellationToken);
                    }
                }
            }
        }
    }

    private void Run()
    {
        var blocks = _cfg.Blocks;
        var lends = new bool[blocks.Length];
        foreach (var block in blocks)
        {
            foreach (var operation in FlowGraphs.Operations(block))
            {
                foreach (var descendant in operation.DescendantsAndSelf())
                {
                    if (descendant is IInvocationOperation invocation && _facts.IsLendingInvocation(invocation))
                    {
                        lends[block.Ordinal] = true;
                    }
                    else if (descendant is IFlowCaptureOperation capture)
                    {
                        _paths.AddCapture(capture);
                    }
                    else if (descendant is ISimpleAssignmentOperation { Target: IMemberReferenceOperation { Instance: IFlowCaptureReferenceOperation } } assignment)
                    {
                        _paths.AddMemberAssignment(assignment);
                    }
                }
            }
        }

        var handlers = new List<(BasicBlock Entry, bool IsFinally)>[blocks.Length];
        var finallyDepth = new int[blocks.Length];
        for (var i = 0; i < blocks.Length; i++)
        {
            handlers[i] = ExceptionalFlow.HandlerEntries(blocks[i], blocks);
            finallyDepth[i] = ExceptionalFlow.FinallyDepth(blocks[i]);
        }

        // Entry states per block and per finally context (which continuation each enclosing finally resumes to).
        var entryStates = new Dictionary<FinallyContext, OwnershipState>[blocks.Length];
        for (var i = 0; i < blocks.Length; i++)
        {
            entryStates[i] = new Dictionary<FinallyContext, OwnershipState>();
        }

        entryStates[0][FinallyContext.Root] = new OwnershipState();
        // The worklist takes the lowest block ordinal first: blocks are laid out in source order, so a block's
        // predecessors (but for loop back edges) are processed before it, and most blocks are transferred once.
        var pending = new List<FinallyContext>?[blocks.Length];
        var pendingOrdinals = new SortedSet<int>();
        var queued = new HashSet<(int, FinallyContext)>();
        Enqueue(0, FinallyContext.Root);
        var budget = 64 * 2;

        while (pendingOrdinals.Count > 0 && budget-- > 0)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var ordinal = pendingOrdinals.Min;
            var contexts = pending[ordinal]!;
            var context = contexts[contexts.Count - 1];
            contexts.RemoveAt(contexts.Count - 1);
            if (contexts.Count == 0)
            {
                pendingOrdinals.Remove(ordinal);
            }

            queued.Remove((ordinal, context));
            var block = blocks[ordinal];
            var outState = _transfer.Transfer(block, entryStates[ordinal][context], handlers[ordinal].Count > 0, report: false);

            if (_transfer.Exceptional != null && handlers[ordinal].Count > 0)
            {
                // The transfer's own state (Propagate copies or joins it), so marked in place rather than cloned.
                var exceptional = _transfer.Exceptional;
                exceptional.MarkExceptionPath();
                foreach (var (handler, isFinally) in handlers[ordinal])
                {
                    var depth = finallyDepth[handler.Ordinal];
                    if (isFinally)
                    {
                        // An exception entering a finally: after the finally it keeps propagating (to the outer
                        // handlers, which the finally's own blocks feed), never to a normal continuation.
                        Propagate(handler.Ordinal, context.Truncate(depth - 1).Push(null, 0), exceptional);
                    }
                    else
                    {
                        Propagate(handler.Ordinal, context.Truncate(depth), exceptional);
                    }
                }
            }

            foreach (var successor in FlowGraphs.Successors(block))
            {
                Follow(successor, 0, context.Truncate(finallyDepth[ordinal]), outState);
            }

            if (ExceptionalFlow.IsFinallyExit(block) && context.Branch != null && context.Parent != null)
            {
                // The end of a finally entered by a normal branch: run the next finally the branch leaves, or
                // resume at the branch's destination, with the state the finally ends with.
                Follow(context.Branch, context.Index + 1, context.Parent, outState);
            }
        }

        // Final pass: replay each block with its stable entry states and report.
        foreach (var block in blocks)
        {
            foreach (var entry in entryStates[block.Ordinal].Values)
            {
                if (!lends[block.Ordinal] && !entry.HasLiveLoan())
                {
                    // Nothing is lent on entry and nothing is lent in the block: no use in it can be reported.
                    continue;
                }

                var outState = _transfer.Transfer(block, entry, trackExceptional: false, report: true);
                foreach (var successor in FlowGraphs.Successors(block))
                {
                    _pinned.CheckLeavingRegions(successor, outState);
                }

                if (block.Kind == BasicBlockKind.Exit)
                {
                    _pinned.CheckStackLoansAtExit(entry);
                }
            }
        }

        // Flows a normal branch: through its finally regions from index `next` on (innermost first), then to its
        // destination. `context` is the finally context of the branch's source.
        void Follow(ControlFlowBranch branch, int next, FinallyContext context, OwnershipState state)
        {
            if (branch.Destination == null)
            {
                return;
            }

            if (next < branch.FinallyRegions.Length)
            {
                var entry = blocks[branch.FinallyRegions[next].FirstBlockOrdinal];
                var parent = context.Truncate(finallyDepth[entry.Ordinal] - 1);
                Propagate(entry.Ordinal, parent.Push(branch, next), state);
                return;
            }

            var destination = branch.Destination.Ordinal;
            Propagate(destination, context.Truncate(finallyDepth[destination]), state);
        }

        void Propagate(int target, FinallyContext context, OwnershipState state)
        {
            var states = entryStates[target];
            if (!states.TryGetValue(context, out var existing))
            {
                states[context] = state.Clone();
                budget += 64;
            }
            else if (!existing.JoinWith(state))
            {
                return;
            }

            Enqueue(target, context);
        }

        void Enqueue(int target, FinallyContext context)
        {
            if (queued.Add((target, context)))
            {
                (pending[target] ??= new List<FinallyContext>()).Add(context);
                pendingOrdinals.Add(target);
            }
        }
    }
}
