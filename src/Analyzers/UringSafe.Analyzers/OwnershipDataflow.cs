using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers
{
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
        private readonly Action<Diagnostic> _report;
        private readonly HashSet<string> _reported;
        private readonly CancellationToken _cancellationToken;
        private readonly Dictionary<CaptureId, List<IOperation>> _captures = new Dictionary<CaptureId, List<IOperation>>();
        private readonly Dictionary<IOperation, LoanInfo> _loanInfo = new Dictionary<IOperation, LoanInfo>();

        private OwnershipState _state = new OwnershipState();
        private OwnershipState? _exceptional;
        private bool _reporting;

        private OwnershipDataflow(ControlFlowGraph cfg, Action<Diagnostic> report, HashSet<string> reported, CancellationToken cancellationToken)
        {
            _cfg = cfg;
            _report = report;
            _reported = reported;
            _cancellationToken = cancellationToken;
        }

        /// <summary>Analyzes a graph, then every local function and lambda graph nested in it.</summary>
        public static void AnalyzeGraphTree(ControlFlowGraph cfg, Action<Diagnostic> report, HashSet<string> reported, CancellationToken cancellationToken)
        {
            new OwnershipDataflow(cfg, report, reported, cancellationToken).Run();

            foreach (var localFunction in cfg.LocalFunctions)
            {
                AnalyzeGraphTree(cfg.GetLocalFunctionControlFlowGraph(localFunction, cancellationToken), report, reported, cancellationToken);
            }

            foreach (var block in cfg.Blocks)
            {
                foreach (var operation in BlockOperations(block))
                {
                    foreach (var descendant in operation.DescendantsAndSelf())
                    {
                        if (descendant is IFlowAnonymousFunctionOperation lambda)
                        {
                            AnalyzeGraphTree(cfg.GetAnonymousFunctionControlFlowGraph(lambda, cancellationToken), report, reported, cancellationToken);
                        }
                    }
                }
            }
        }

        private static IEnumerable<IOperation> BlockOperations(BasicBlock block)
        {
            foreach (var operation in block.Operations)
            {
                yield return operation;
            }

            if (block.BranchValue != null)
            {
                yield return block.BranchValue;
            }
        }

        private void Run()
        {
            var blocks = _cfg.Blocks;
            foreach (var block in blocks)
            {
                foreach (var operation in BlockOperations(block))
                {
                    foreach (var descendant in operation.DescendantsAndSelf())
                    {
                        if (descendant is IFlowCaptureOperation capture)
                        {
                            if (!_captures.TryGetValue(capture.Id, out var list))
                            {
                                list = new List<IOperation>();
                                _captures[capture.Id] = list;
                            }

                            list.Add(capture.Value);
                        }
                    }
                }
            }

            var handlers = new List<(BasicBlock Entry, bool IsFinally)>[blocks.Length];
            var finallyDepth = new int[blocks.Length];
            for (var i = 0; i < blocks.Length; i++)
            {
                handlers[i] = HandlerEntries(blocks[i], blocks);
                finallyDepth[i] = FinallyDepth(blocks[i]);
            }

            // Entry states per block and per finally context (which continuation each enclosing finally resumes to).
            var entryStates = new Dictionary<FinallyContext, OwnershipState>[blocks.Length];
            for (var i = 0; i < blocks.Length; i++)
            {
                entryStates[i] = new Dictionary<FinallyContext, OwnershipState>();
            }

            entryStates[0][FinallyContext.Root] = new OwnershipState();
            var worklist = new Queue<(int Ordinal, FinallyContext Context)>();
            var queued = new HashSet<(int, FinallyContext)>();
            worklist.Enqueue((0, FinallyContext.Root));
            queued.Add((0, FinallyContext.Root));
            var budget = 64 * 2;

            while (worklist.Count > 0 && budget-- > 0)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var (ordinal, context) = worklist.Dequeue();
                queued.Remove((ordinal, context));
                var block = blocks[ordinal];
                var outState = Transfer(block, entryStates[ordinal][context], handlers[ordinal].Count > 0);

                if (_exceptional != null)
                {
                    foreach (var (handler, isFinally) in handlers[ordinal])
                    {
                        var depth = finallyDepth[handler.Ordinal];
                        if (isFinally)
                        {
                            // An exception entering a finally: after the finally it keeps propagating (to the outer
                            // handlers, which the finally's own blocks feed), never to a normal continuation.
                            Propagate(handler.Ordinal, context.Truncate(depth - 1).Push(null, 0), _exceptional);
                        }
                        else
                        {
                            Propagate(handler.Ordinal, context.Truncate(depth), _exceptional);
                        }
                    }
                }

                foreach (var successor in Successors(block))
                {
                    Follow(successor, 0, context.Truncate(finallyDepth[ordinal]), outState);
                }

                if (IsFinallyExit(block) && context.Branch != null && context.Parent != null)
                {
                    // The end of a finally entered by a normal branch: run the next finally the branch leaves, or
                    // resume at the branch's destination, with the state the finally ends with.
                    Follow(context.Branch, context.Index + 1, context.Parent, outState);
                }
            }

            // Final pass: replay each block with its stable entry states and report.
            _reporting = true;
            foreach (var block in blocks)
            {
                foreach (var entry in entryStates[block.Ordinal].Values)
                {
                    var outState = Transfer(block, entry, trackExceptional: false);
                    foreach (var successor in Successors(block))
                    {
                        CheckLeavingRegions(successor, outState);
                    }

                    if (block.Kind == BasicBlockKind.Exit)
                    {
                        CheckStackLoansAtExit(entry);
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

                if (queued.Add((target, context)))
                {
                    worklist.Enqueue((target, context));
                }
            }
        }

        private static IEnumerable<ControlFlowBranch> Successors(BasicBlock block)
        {
            if (block.FallThroughSuccessor?.Destination != null)
            {
                yield return block.FallThroughSuccessor;
            }

            if (block.ConditionalSuccessor?.Destination != null)
            {
                yield return block.ConditionalSuccessor;
            }
        }

        /// <summary>First blocks of every catch, filter and finally handler that an exception raised in this block can reach.</summary>
        private static List<(BasicBlock Entry, bool IsFinally)> HandlerEntries(BasicBlock block, ImmutableArray<BasicBlock> blocks)
        {
            var result = new List<(BasicBlock, bool)>();
            for (var region = block.EnclosingRegion; region != null && region.Kind != ControlFlowRegionKind.Root; region = region.EnclosingRegion)
            {
                if (region.Kind != ControlFlowRegionKind.Try || region.EnclosingRegion == null)
                {
                    continue;
                }

                foreach (var sibling in region.EnclosingRegion.NestedRegions)
                {
                    if (sibling != region)
                    {
                        result.Add((blocks[sibling.FirstBlockOrdinal], sibling.Kind == ControlFlowRegionKind.Finally));
                    }
                }
            }

            return result;
        }

        /// <summary>How many finally regions enclose the block.</summary>
        private static int FinallyDepth(BasicBlock block)
        {
            var depth = 0;
            for (var region = block.EnclosingRegion; region != null && region.Kind != ControlFlowRegionKind.Root; region = region.EnclosingRegion)
            {
                if (region.Kind == ControlFlowRegionKind.Finally)
                {
                    depth++;
                }
            }

            return depth;
        }

        /// <summary>Whether the block ends its finally region (the branch that resumes wherever the finally was entered from).</summary>
        private static bool IsFinallyExit(BasicBlock block)
        {
            var branch = block.FallThroughSuccessor;
            if (branch == null || branch.Destination != null || branch.Semantics != ControlFlowBranchSemantics.StructuredExceptionHandling)
            {
                return false;
            }

            for (var region = block.EnclosingRegion; region != null && region.Kind != ControlFlowRegionKind.Root; region = region.EnclosingRegion)
            {
                switch (region.Kind)
                {
                    case ControlFlowRegionKind.Finally:
                        return true;
                    case ControlFlowRegionKind.Filter:
                    case ControlFlowRegionKind.Catch:
                    case ControlFlowRegionKind.Try:
                        return false;
                }
            }

            return false;
        }

        private OwnershipState Transfer(BasicBlock block, OwnershipState entry, bool trackExceptional)
        {
            _state = entry.Clone();
            _exceptional = trackExceptional ? entry.Clone() : null;
            foreach (var operation in BlockOperations(block))
            {
                Visit(operation);
                Snapshot();
            }

            return _state;
        }

        /// <summary>Records the current state as one an exception could leave the protected region with.</summary>
        private void Snapshot()
        {
            _exceptional?.JoinWith(_state);
        }

        private void Visit(IOperation? operation)
        {
            if (operation == null)
            {
                return;
            }

            _cancellationToken.ThrowIfCancellationRequested();
            switch (operation)
            {
                case ISimpleAssignmentOperation assignment when !assignment.IsRef:
                    VisitAssignment(assignment);
                    return;
                case IDeconstructionAssignmentOperation deconstruction:
                    Visit(deconstruction.Value);
                    AssignTargets(deconstruction.Target);
                    return;
                case IIsPatternOperation isPattern:
                    Visit(isPattern.Value);
                    Visit(isPattern.Pattern);
                    DeclarePatternLocals(isPattern.Pattern, isPattern.Value);
                    return;
                case IInvocationOperation invocation:
                    VisitInvocation(invocation);
                    return;
                case IAwaitOperation awaitOperation:
                    Visit(awaitOperation.Operation);
                    Snapshot();
                    Complete(awaitOperation.Operation);
                    Snapshot();
                    return;
                case IPropertyReferenceOperation result when result.Property.Name == "Result" && IsTaskLike(result.Instance?.Type):
                    Visit(result.Instance);
                    Complete(result.Instance);
                    Snapshot();
                    return;
                case IFlowCaptureOperation capture:
                    if (ResolvePath(capture.Value) != null)
                    {
                        // The captured location is read where the capture is referenced.
                        VisitPathReceiver(capture.Value);
                        return;
                    }

                    Visit(capture.Value);
                    return;
                case IFlowCaptureReferenceOperation captureReference:
                    {
                        var path = ResolvePath(captureReference);
                        if (path != null)
                        {
                            Use(path, CapturedSyntax(captureReference) ?? captureReference.Syntax);
                        }

                        return;
                    }

                case IFlowAnonymousFunctionOperation lambda:
                    CheckCaptures(_cfg.GetAnonymousFunctionControlFlowGraph(lambda, _cancellationToken), new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default));
                    return;
                case IMethodReferenceOperation methodReference when methodReference.Method.MethodKind == MethodKind.LocalFunction:
                    CheckLocalFunction(methodReference.Method, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default));
                    return;
            }

            var referencedPath = ResolvePath(operation);
            if (referencedPath != null)
            {
                VisitPathReceiver(operation);
                Use(referencedPath, operation.Syntax);
                return;
            }

            foreach (var child in operation.ChildOperations)
            {
                Visit(child);
            }
        }

        private SyntaxNode? CapturedSyntax(IFlowCaptureReferenceOperation reference)
        {
            if (_captures.TryGetValue(reference.Id, out var values) && values.Count > 0)
            {
                return values[0].Syntax;
            }

            return null;
        }

        /// <summary>Visits what a member access reads to reach its location (the <c>conn</c> of <c>conn.Buffer</c>).</summary>
        private void VisitPathReceiver(IOperation operation)
        {
            switch (operation)
            {
                case IFieldReferenceOperation field when field.Instance != null && !(field.Instance is IInstanceReferenceOperation):
                    Visit(field.Instance);
                    break;
                case IPropertyReferenceOperation property when property.Instance != null && !(property.Instance is IInstanceReferenceOperation):
                    Visit(property.Instance);
                    break;
            }
        }

        private void VisitAssignment(ISimpleAssignmentOperation assignment)
        {
            var target = ResolvePath(assignment.Target);
            if (target == null)
            {
                Visit(assignment.Target);
                Visit(assignment.Value);
                return;
            }

            VisitPathReceiver(assignment.Target);
            Visit(assignment.Value);
            Assign(target, assignment.Value);
        }

        private void AssignTargets(IOperation target)
        {
            switch (target)
            {
                case IDeclarationExpressionOperation declaration:
                    AssignTargets(declaration.Expression);
                    return;
                case ITupleOperation tuple:
                    foreach (var element in tuple.Elements)
                    {
                        AssignTargets(element);
                    }

                    return;
                case IDiscardOperation:
                    return;
            }

            var path = ResolvePath(target);
            if (path != null)
            {
                VisitPathReceiver(target);
                Assign(path, null);
            }
            else
            {
                Visit(target);
            }
        }

        /// <summary>
        /// The locals a pattern declares get new values each time it runs: the whole pattern's local holds its input (an
        /// alias when the input is a tracked location), nested ones hold parts of it that are not tracked.
        /// </summary>
        private void DeclarePatternLocals(IPatternOperation pattern, IOperation input)
        {
            foreach (var nested in pattern.DescendantsAndSelf().OfType<IPatternOperation>())
            {
                var declared = nested switch
                {
                    IDeclarationPatternOperation declaration => declaration.DeclaredSymbol,
                    IRecursivePatternOperation recursive => recursive.DeclaredSymbol,
                    IListPatternOperation list => list.DeclaredSymbol,
                    _ => null,
                };
                if (declared != null)
                {
                    Assign(AccessPath.Of(declared), ReferenceEquals(nested, pattern) ? input : null);
                }
            }
        }

        private void Assign(AccessPath target, IOperation? value)
        {
            _state.Overwrite(target);
            if (value == null)
            {
                return;
            }

            var stripped = LendingModel.StripConversions(value);
            var loans = ResolveTaskLoans(stripped);
            if (loans.Count > 0)
            {
                _state.TaskLoans[target] = loans;
            }

            if (IsAliasCapable(value.Type) || IsAliasCapable(stripped.Type))
            {
                var source = ResolvePath(stripped) ?? DerivedRoot(stripped);
                if (source != null && !source.IsWithin(target))
                {
                    _state.AddAlias(target, source);
                }
            }

            var origin = ComputeOrigin(stripped);
            if (origin != null)
            {
                _state.Origins[target] = origin;
            }
        }

        private void VisitInvocation(IInvocationOperation invocation)
        {
            Visit(invocation.Instance);

            List<(AccessPath? Path, IOperation Value, PointerOrigin? Origin)>? lent = null;
            List<AccessPath>? outputs = null;
            foreach (var argument in invocation.Arguments)
            {
                if (LendingModel.IsLendingParameter(argument.Parameter))
                {
                    (lent ??= new List<(AccessPath?, IOperation, PointerOrigin?)>()).Add(LendArgument(argument.Value, lent));
                    continue;
                }

                if (argument.Parameter != null && argument.Parameter.RefKind == RefKind.Out)
                {
                    var output = ResolvePath(argument.Value);
                    if (output != null)
                    {
                        VisitPathReceiver(argument.Value);
                        (outputs ??= new List<AccessPath>()).Add(output);
                        continue;
                    }
                }

                Visit(argument.Value);
            }

            if (lent != null)
            {
                var info = new LoanInfo();
                foreach (var item in lent)
                {
                    if (item.Path != null)
                    {
                        _state.PathLoans[item.Path] = new HashSet<IOperation>(new[] { (IOperation)invocation });
                    }

                    var stripped = LendingModel.StripConversions(item.Value);
                    if (LendingModel.IsRawMemoryType(stripped.Type))
                    {
                        info.IsRaw = true;
                    }

                    if (item.Origin != null && info.Origin == null)
                    {
                        info.Origin = item.Origin;
                        info.OriginSyntax = stripped.Syntax;
                    }
                }

                if (!_loanInfo.ContainsKey(invocation))
                {
                    _loanInfo[invocation] = info;
                }

                _state.Loans[invocation] = LoanFlags.InFlight;
                Snapshot();
            }

            if (outputs != null)
            {
                foreach (var output in outputs)
                {
                    Assign(output, null);
                }
            }

            var method = invocation.TargetMethod;
            if (method.MethodKind == MethodKind.LocalFunction)
            {
                CheckLocalFunction(method, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default));
            }

            if (invocation.Instance != null
                && ((method.Name == "GetResult" && invocation.Instance is IInvocationOperation getAwaiter && getAwaiter.TargetMethod.Name == "GetAwaiter")
                    || (method.Name == "Wait" && IsTaskLike(invocation.Instance.Type))))
            {
                Complete(invocation.Instance);
                Snapshot();
            }
        }

        private (AccessPath? Path, IOperation Value, PointerOrigin? Origin) LendArgument(IOperation value, List<(AccessPath? Path, IOperation Value, PointerOrigin? Origin)> earlierInSameCall)
        {
            var stripped = LendingModel.StripConversions(value);
            var path = ResolvePath(stripped);
            if (path != null)
            {
                VisitPathReceiver(stripped);
            }
            else
            {
                path = DerivedRoot(stripped);
                if (path == null)
                {
                    Visit(value);
                }
            }

            var origin = ComputeOrigin(stripped);
            if (path != null && _reporting)
            {
                var syntax = stripped is IFlowCaptureReferenceOperation reference ? CapturedSyntax(reference) ?? stripped.Syntax : stripped.Syntax;
                var status = EffectiveStatus(path);
                var lentInSameCall = earlierInSameCall.Exists(item => item.Path != null && (item.Path.IsWithin(path) || path.IsWithin(item.Path)));
                if ((status & LoanFlags.InFlight) != 0 || lentInSameCall)
                {
                    Report(DiagnosticDescriptors.UR0004_BufferLentTwice, syntax, path.ToString());
                }
                else if ((status & LoanFlags.AwaitedNotReturned) != 0)
                {
                    ReportUsedWhileLent(path, syntax);
                }
                else
                {
                    foreach (var alias in _state.AliasesOf(path))
                    {
                        var aliasStatus = EffectiveStatus(alias);
                        if ((aliasStatus & LoanFlags.InFlight) != 0)
                        {
                            Report(DiagnosticDescriptors.UR0004_BufferLentTwice, syntax, path.ToString());
                            break;
                        }

                        if (aliasStatus != LoanFlags.None)
                        {
                            Report(DiagnosticDescriptors.UR0006_AliasOfLentBufferUsed, syntax, path.ToString(), alias.ToString());
                            break;
                        }
                    }
                }
            }

            return (path, value, origin);
        }

        /// <summary>Marks the loans completed by awaiting (or waiting for) <paramref name="task"/>.</summary>
        private void Complete(IOperation? task)
        {
            if (task == null)
            {
                return;
            }

            foreach (var loan in ResolveTaskLoans(task))
            {
                if (_state.Loans.TryGetValue(loan, out var flags) && flags != LoanFlags.None)
                {
                    var raw = _loanInfo.TryGetValue(loan, out var info) && info.IsRaw;
                    _state.Loans[loan] = raw ? LoanFlags.None : LoanFlags.AwaitedNotReturned;
                }
            }
        }

        private HashSet<IOperation> ResolveTaskLoans(IOperation? operation)
        {
            var result = new HashSet<IOperation>();
            Collect(operation, 0);
            return result;

            void Collect(IOperation? current, int depth)
            {
                if (current == null || depth > 8)
                {
                    return;
                }

                current = LendingModel.StripConversions(current);
                switch (current)
                {
                    case IInvocationOperation invocation when _loanInfo.ContainsKey(invocation) || LendingModel.IsLendingInvocation(invocation):
                        result.Add(invocation);
                        return;
                    case IInvocationOperation wrapper when wrapper.Instance != null
                        && (LendingModel.IsTaskWrapper(wrapper) || wrapper.TargetMethod.Name == "GetAwaiter"):
                        Collect(wrapper.Instance, depth + 1);
                        return;
                    case IFlowCaptureReferenceOperation reference:
                        if (_captures.TryGetValue(reference.Id, out var values))
                        {
                            foreach (var value in values)
                            {
                                Collect(value, depth + 1);
                            }
                        }

                        return;
                }

                var path = ResolvePath(current);
                if (path != null && _state.TaskLoans.TryGetValue(path, out var loans))
                {
                    result.UnionWith(loans);
                }
            }
        }

        private void Use(AccessPath path, SyntaxNode syntax)
        {
            if (!_reporting)
            {
                return;
            }

            if (_state.StatusOf(path) != LoanFlags.None)
            {
                ReportUsedWhileLent(path, syntax);
                return;
            }

            foreach (var alias in _state.AliasesOf(path))
            {
                if (EffectiveStatus(alias) != LoanFlags.None)
                {
                    Report(DiagnosticDescriptors.UR0006_AliasOfLentBufferUsed, syntax, path.ToString(), alias.ToString());
                    return;
                }
            }
        }

        /// <summary>The status of a location, counting loans of the locations that contain it.</summary>
        private LoanFlags EffectiveStatus(AccessPath path)
        {
            var flags = LoanFlags.None;
            for (var length = 1; length <= path.Symbols.Length; length++)
            {
                var prefix = length == path.Symbols.Length ? path : new AccessPath(path.Symbols.RemoveRange(length, path.Symbols.Length - length));
                flags |= _state.StatusOf(prefix);
            }

            return flags;
        }

        private void ReportUsedWhileLent(AccessPath path, SyntaxNode syntax)
        {
            var status = _state.StatusOf(path);
            Location? takeBackAt = null;
            if ((status & LoanFlags.InFlight) == 0 && _state.PathLoans.TryGetValue(path, out var loans))
            {
                foreach (var loan in loans)
                {
                    if (_state.Loans.TryGetValue(loan, out var flags) && (flags & LoanFlags.AwaitedNotReturned) != 0)
                    {
                        takeBackAt = FindDroppedAwait(loan);
                        if (takeBackAt != null)
                        {
                            break;
                        }
                    }
                }
            }

            if (takeBackAt != null)
            {
                var properties = ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.TakeBackProperty, "true");
                Report(DiagnosticDescriptors.UR0001_BufferUsedWhileLent, syntax, new[] { takeBackAt }, properties, path.ToString());
            }
            else
            {
                Report(DiagnosticDescriptors.UR0001_BufferUsedWhileLent, syntax, path.ToString());
            }
        }

        /// <summary>The await of the lending call when its result (and so the buffer) is dropped there.</summary>
        private static Location? FindDroppedAwait(IOperation loan)
        {
            var model = loan.SemanticModel;
            if (model == null || !(model.GetOperation(loan.Syntax) is IInvocationOperation original))
            {
                return null;
            }

            var consumption = LendingModel.Classify(original, out var completion);
            return consumption == TaskConsumption.AwaitedDropped && completion is IAwaitOperation
                ? completion.Syntax.GetLocation()
                : null;
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

        private AccessPath? ResolvePath(IOperation? operation, bool followCaptures = true) => ResolvePath(operation, followCaptures, 0);

        private AccessPath? ResolvePath(IOperation? operation, bool followCaptures, int depth)
        {
            if (operation == null || depth > AccessPath.MaxLength + 4)
            {
                return null;
            }

            switch (operation)
            {
                case ILocalReferenceOperation local:
                    return AccessPath.Of(local.Local);
                case IParameterReferenceOperation parameter:
                    return AccessPath.Of(parameter.Parameter);
                case IFieldReferenceOperation field:
                    if (field.Field.IsStatic || field.Instance == null || field.Instance is IInstanceReferenceOperation)
                    {
                        return AccessPath.Of(field.Field);
                    }

                    return ResolvePath(field.Instance, followCaptures, depth + 1)?.Append(field.Field);
                case IPropertyReferenceOperation property when property.Arguments.IsEmpty:
                    if (property.Property.IsStatic || property.Instance == null || property.Instance is IInstanceReferenceOperation)
                    {
                        return AccessPath.Of(property.Property);
                    }

                    return ResolvePath(property.Instance, followCaptures, depth + 1)?.Append(property.Property);
                case IFlowCaptureReferenceOperation reference when followCaptures:
                    {
                        if (!_captures.TryGetValue(reference.Id, out var values))
                        {
                            return null;
                        }

                        AccessPath? result = null;
                        foreach (var value in values)
                        {
                            var path = ResolvePath(value, followCaptures, depth + 1);
                            if (path == null || (result != null && !result.Equals(path)))
                            {
                                return null;
                            }

                            result = path;
                        }

                        return result;
                    }

                default:
                    return null;
            }
        }

        /// <summary>The location a Span, Memory, array segment or pointer was derived from (<c>buf.AsSpan()</c>, <c>&amp;buf[0]</c>).</summary>
        private AccessPath? DerivedRoot(IOperation operation)
        {
            for (var depth = 0; depth < 8; depth++)
            {
                operation = LendingModel.StripConversions(operation);
                switch (operation)
                {
                    case IInvocationOperation invocation when IsBufferView(invocation.Type):
                        {
                            var source = invocation.Instance ?? (invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);
                            if (source == null)
                            {
                                return null;
                            }

                            var path = ResolvePath(LendingModel.StripConversions(source));
                            if (path != null)
                            {
                                return path;
                            }

                            operation = source;
                            continue;
                        }

                    case IObjectCreationOperation creation when IsBufferView(creation.Type) && creation.Arguments.Length > 0:
                        {
                            var source = creation.Arguments[0].Value;
                            var path = ResolvePath(LendingModel.StripConversions(source));
                            if (path != null)
                            {
                                return path;
                            }

                            operation = source;
                            continue;
                        }

                    case IAddressOfOperation addressOf:
                        {
                            var reference = addressOf.Reference;
                            if (reference is IArrayElementReferenceOperation element)
                            {
                                reference = element.ArrayReference;
                            }

                            var path = ResolvePath(LendingModel.StripConversions(reference));
                            if (path != null)
                            {
                                return path;
                            }

                            operation = reference;
                            continue;
                        }

                    case IFieldReferenceOperation field when field.Instance != null && IsBufferView(field.Type):
                        {
                            var path = ResolvePath(LendingModel.StripConversions(field.Instance));
                            if (path != null)
                            {
                                return path;
                            }

                            operation = field.Instance;
                            continue;
                        }

                    case IPropertyReferenceOperation property when property.Instance != null && IsBufferView(property.Type):
                        {
                            var path = ResolvePath(LendingModel.StripConversions(property.Instance));
                            if (path != null)
                            {
                                return path;
                            }

                            operation = property.Instance;
                            continue;
                        }

                    default:
                        return null;
                }
            }

            return null;
        }

        /// <summary>Where the memory a pointer expression points to lives, when it is stack or fixed-pinned memory.</summary>
        private PointerOrigin? ComputeOrigin(IOperation operation)
        {
            operation = LendingModel.StripConversions(operation);
            var syntax = operation.Syntax;
            if (syntax.IsKind(SyntaxKind.StackAllocArrayCreationExpression) || syntax.IsKind(SyntaxKind.ImplicitStackAllocArrayCreationExpression))
            {
                return PointerOrigin.Stack;
            }

            if (operation is IAddressOfOperation addressOf)
            {
                var reference = LendingModel.StripConversions(addressOf.Reference);
                if (reference is ILocalReferenceOperation || (reference is IParameterReferenceOperation parameter && parameter.Parameter.RefKind == RefKind.None))
                {
                    return PointerOrigin.Stack;
                }

                return null;
            }

            if (operation is ILocalReferenceOperation local && local.Local.IsFixed)
            {
                return new PointerOrigin(local.Local);
            }

            var path = ResolvePath(operation);
            if (path != null && _state.Origins.TryGetValue(path, out var origin))
            {
                return origin;
            }

            return null;
        }

        private static bool IsTaskLike(ITypeSymbol? type)
        {
            if (!(type is INamedTypeSymbol named))
            {
                return false;
            }

            var name = named.Name;
            return (name == "Task" || name == "ValueTask")
                && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks";
        }

        private static bool IsBufferView(ITypeSymbol? type)
        {
            if (type == null)
            {
                return false;
            }

            if (type.TypeKind == TypeKind.Array || type.TypeKind == TypeKind.Pointer
                || type.SpecialType == SpecialType.System_IntPtr || type.SpecialType == SpecialType.System_UIntPtr)
            {
                return true;
            }

            if (type is INamedTypeSymbol named && named.IsGenericType)
            {
                switch (named.Name)
                {
                    case "Span":
                    case "ReadOnlySpan":
                    case "Memory":
                    case "ReadOnlyMemory":
                    case "ArraySegment":
                        return named.ContainingNamespace?.ToDisplayString() == "System";
                }
            }

            return false;
        }

        private static bool IsAliasCapable(ITypeSymbol? type)
        {
            if (type == null || type.SpecialType == SpecialType.System_String || IsTaskLike(type))
            {
                return false;
            }

            return IsBufferView(type) || type.IsReferenceType || type.IsRefLikeType;
        }

        private void Report(DiagnosticDescriptor descriptor, SyntaxNode syntax, params object[] arguments) =>
            Report(descriptor, syntax, null, null, arguments);

        private void Report(DiagnosticDescriptor descriptor, SyntaxNode syntax, IEnumerable<Location>? additionalLocations, ImmutableDictionary<string, string?>? properties, params object[] arguments)
        {
            var location = syntax.GetLocation();
            var key = descriptor.Id + "@" + location.SourceSpan.Start + ":" + location.SourceSpan.Length + ":" + location.SourceTree?.FilePath;
            if (!_reported.Add(key))
            {
                return;
            }

            _report(Diagnostic.Create(descriptor, location, additionalLocations, properties, arguments));
        }

        /// <summary>
        /// Which continuation each finally region enclosing a block resumes to, innermost last: a normal branch that
        /// leaves try regions runs their finally blocks (<see cref="ControlFlowBranch.FinallyRegions"/>, innermost first)
        /// and then goes to its destination; an exception runs them and keeps propagating. Keeping the contexts apart
        /// lets each continuation get the state the finally ends with on that path, without the exceptional states.
        /// </summary>
        private sealed class FinallyContext : IEquatable<FinallyContext>
        {
            public static readonly FinallyContext Root = new FinallyContext(null, null, 0);

            private readonly int _hashCode;

            private FinallyContext(FinallyContext? parent, ControlFlowBranch? branch, int index)
            {
                Parent = parent;
                Branch = branch;
                Index = index;
                Depth = parent == null ? 0 : parent.Depth + 1;
                _hashCode = parent == null
                    ? 0
                    : unchecked((parent._hashCode * 31 + (branch == null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(branch))) * 31 + index);
            }

            /// <summary>The context of the code around the finally region; null for <see cref="Root"/>.</summary>
            public FinallyContext? Parent { get; }

            /// <summary>The normal branch the finally region runs for, or null when it runs for an exception.</summary>
            public ControlFlowBranch? Branch { get; }

            /// <summary>The finally region's index in the branch's <see cref="ControlFlowBranch.FinallyRegions"/>.</summary>
            public int Index { get; }

            public int Depth { get; }

            public FinallyContext Push(ControlFlowBranch? branch, int index) => new FinallyContext(this, branch, index);

            public FinallyContext Truncate(int depth)
            {
                var context = this;
                while (context.Depth > depth && context.Parent != null)
                {
                    context = context.Parent;
                }

                return context;
            }

            public bool Equals(FinallyContext? other)
            {
                if (ReferenceEquals(this, other))
                {
                    return true;
                }

                return other != null
                    && _hashCode == other._hashCode
                    && Depth == other.Depth
                    && Index == other.Index
                    && ReferenceEquals(Branch, other.Branch)
                    && Equals(Parent, other.Parent);
            }

            public override bool Equals(object? obj) => Equals(obj as FinallyContext);

            public override int GetHashCode() => _hashCode;
        }

        private sealed class LoanInfo
        {
            public bool IsRaw { get; set; }

            public PointerOrigin? Origin { get; set; }

            public SyntaxNode? OriginSyntax { get; set; }
        }
    }
}
