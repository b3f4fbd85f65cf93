using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>
/// UR0008's dataflow over one control flow graph (and, recursively, its lambdas and local functions): tracks
/// <see cref="ReactorState"/> through the blocks to a fixpoint, then reports every blocking call made while the code is
/// certainly on a reactor and its task is not known to be complete.
/// </summary>
internal sealed class ReactorFlow
{
    private const int MaxPasses = 64;

    private readonly ReactorModel _model;
    private readonly Func<IMethodSymbol, bool> _isEntryFunction;
    private readonly Action<IOperation, BlockingCall, bool> _report;
    private readonly CancellationToken _cancellationToken;
    private readonly Dictionary<CaptureId, IOperation> _captures = new Dictionary<CaptureId, IOperation>();

    private ReactorFlow(ReactorModel model, Func<IMethodSymbol, bool> isEntryFunction, Action<IOperation, BlockingCall, bool> report, CancellationToken cancellationToken)
    {
        _model = model;
        _isEntryFunction = isEntryFunction;
        _report = report;
        _cancellationToken = cancellationToken;
    }

    /// <summary>
    /// Analyzes <paramref name="graph"/>, starting on a reactor when <paramref name="entryOnReactor"/>; a nested lambda or
    /// local function starts on a reactor when <paramref name="isEntryFunction"/> says it is passed to a reactor entry point.
    /// </summary>
    public static void Analyze(ControlFlowGraph graph, bool entryOnReactor, ReactorModel model, Func<IMethodSymbol, bool> isEntryFunction,
        Action<IOperation, BlockingCall, bool> report, CancellationToken cancellationToken)
    {
        new ReactorFlow(model, isEntryFunction, report, cancellationToken).Run(graph, entryOnReactor);

        foreach (var localFunction in graph.LocalFunctions)
        {
            Analyze(graph.GetLocalFunctionControlFlowGraph(localFunction, cancellationToken), isEntryFunction(localFunction.OriginalDefinition),
                model, isEntryFunction, report, cancellationToken);
        }

        foreach (var block in graph.Blocks)
        {
            foreach (var lambda in AnonymousFunctions(block))
            {
                Analyze(graph.GetAnonymousFunctionControlFlowGraph(lambda, cancellationToken), isEntryFunction(lambda.Symbol),
                    model, isEntryFunction, report, cancellationToken);
            }
        }
    }

    private static IEnumerable<IFlowAnonymousFunctionOperation> AnonymousFunctions(BasicBlock block)
    {
        var roots = new List<IOperation>(block.Operations);
        if (block.BranchValue != null)
        {
            roots.Add(block.BranchValue);
        }

        foreach (var root in roots)
        {
            foreach (var operation in root.DescendantsAndSelf())
            {
                if (operation is IFlowAnonymousFunctionOperation lambda)
                {
                    yield return lambda;
                }
            }
        }
    }

    private void Run(ControlFlowGraph graph, bool entryOnReactor)
    {
        var blocks = graph.Blocks;
        var input = new ReactorState?[blocks.Length];
        var output = new ReactorState?[blocks.Length];
        var fallThrough = new ReactorState?[blocks.Length];
        var conditional = new ReactorState?[blocks.Length];
        var entry = ReactorState.Entry(entryOnReactor);

        var changed = true;
        for (var pass = 0; changed && pass < MaxPasses; pass++)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            changed = false;
            foreach (var block in blocks)
            {
                var state = block.Kind == BasicBlockKind.Entry ? entry : Incoming(block, blocks, input, output, fallThrough, conditional);
                if (state == null || state.SameAs(input[block.Ordinal]))
                {
                    continue;
                }

                input[block.Ordinal] = state;
                changed = true;
                state = Transfer(block, state, report: false);
                output[block.Ordinal] = state;
                Branch(block, state, out fallThrough[block.Ordinal], out conditional[block.Ordinal]);
            }
        }

        // Report only at the fixpoint: an earlier pass may still believe more than holds.
        foreach (var block in blocks)
        {
            if (input[block.Ordinal] is { } state)
            {
                Transfer(block, state, report: true);
            }
        }
    }

    private static ReactorState? Incoming(BasicBlock block, System.Collections.Immutable.ImmutableArray<BasicBlock> blocks, ReactorState?[] input,
        ReactorState?[] output, ReactorState?[] fallThrough, ReactorState?[] conditional)
    {
        ReactorState? state = null;
        foreach (var branch in block.Predecessors)
        {
            var source = branch.Source.Ordinal;
            var edge = branch.IsConditionalSuccessor ? conditional[source] : fallThrough[source];
            if (edge == null)
            {
                continue;
            }

            // A finally on the way runs in between: what it may change (a ConfigureAwait(false)) must not be assumed away.
            foreach (var region in branch.FinallyRegions)
            {
                edge = MeetRange(edge, region, input, output);
            }

            state = ReactorState.Meet(state, edge);
        }

        // A catch or finally handler is entered from anywhere in its try block.
        var handler = HandlerStartingAt(block);
        if (handler?.EnclosingRegion is { } tryAndHandler && tryAndHandler.NestedRegions.Length > 0)
        {
            var tried = tryAndHandler.NestedRegions[0];
            ReactorState? fromTry = null;
            for (var i = tried.FirstBlockOrdinal; i <= tried.LastBlockOrdinal && i < blocks.Length; i++)
            {
                fromTry = ReactorState.Meet(ReactorState.Meet(fromTry, input[i]), output[i]);
            }

            state = ReactorState.Meet(state, fromTry);
        }

        return state;
    }

    private static ReactorState MeetRange(ReactorState state, ControlFlowRegion region, ReactorState?[] input, ReactorState?[] output)
    {
        for (var i = region.FirstBlockOrdinal; i <= region.LastBlockOrdinal && i < input.Length; i++)
        {
            state = ReactorState.Meet(state, output[i]) ?? state;
        }

        return state;
    }

    private static ControlFlowRegion? HandlerStartingAt(BasicBlock block)
    {
        for (var region = block.EnclosingRegion; region != null && region.FirstBlockOrdinal == block.Ordinal; region = region.EnclosingRegion)
        {
            switch (region.Kind)
            {
                case ControlFlowRegionKind.Catch:
                case ControlFlowRegionKind.Filter:
                case ControlFlowRegionKind.Finally:
                    return region.EnclosingRegion?.Kind == ControlFlowRegionKind.FilterAndHandler ? region.EnclosingRegion : region;
                case ControlFlowRegionKind.FilterAndHandler:
                    return region;
            }
        }

        return null;
    }

    private ReactorState Transfer(BasicBlock block, ReactorState state, bool report)
    {
        foreach (var operation in block.Operations)
        {
            state = Visit(operation, state, report);
        }

        return block.BranchValue != null ? Visit(block.BranchValue, state, report) : state;
    }

    /// <summary>Visits an operation in evaluation order (operands first) and returns the state after it.</summary>
    private ReactorState Visit(IOperation operation, ReactorState state, bool report)
    {
        if (operation is IFlowAnonymousFunctionOperation || operation is IAnonymousFunctionOperation || operation is ILocalFunctionOperation)
        {
            return state; // a function body runs later, maybe elsewhere: it has its own graph
        }

        foreach (var child in operation.ChildOperations)
        {
            state = Visit(child, state, report);
        }

        if (report && _model.Classify(operation) is BlockingCall call && !(call.Task != null && IsKnownComplete(call.Task, state)))
        {
            // Blocking on a UringSafe operation started here is wrong on any thread: it started on this thread, a
            // reactor's (it refuses any other), and completes only when this thread reaps its completion.
            var waitsForever = call.Task != null && IsPendingOperation(call.Task, state);
            if (state.OnReactor || waitsForever)
            {
                _report(operation, call, waitsForever);
            }
        }

        switch (operation)
        {
            case IFlowCaptureOperation capture:
                _captures[capture.Id] = capture.Value;
                return state;
            case IAwaitOperation awaitOperation:
                return AfterAwait(awaitOperation, state);
            case ISimpleAssignmentOperation assignment when Variable(assignment.Target) is { } variable:
                state = state.WithoutCompleted(variable);
                if (IsPendingOperation(assignment.Value, state))
                {
                    return state.WithPendingOperation(variable);
                }

                return IsKnownComplete(assignment.Value, state) ? state.WithCompleted(variable) : state;
            default:
                return state;
        }
    }

    /// <summary>
    /// After an await: the awaited task is complete; awaiting a UringSafe operation resumes on the reactor (it completes
    /// there, even with ConfigureAwait(false)); awaiting anything else with ConfigureAwait(false) may resume elsewhere;
    /// any other await resumes on the captured context, so stays wherever it was.
    /// </summary>
    private ReactorState AfterAwait(IAwaitOperation awaitOperation, ReactorState state)
    {
        var awaited = Unwrap(awaitOperation.Operation);
        var capturesContext = true;
        if (awaited is IInvocationOperation configure && configure.TargetMethod.Name == "ConfigureAwait" && configure.Instance != null)
        {
            capturesContext = configure.Arguments.Length == 1 && configure.Arguments[0].Value.ConstantValue is { HasValue: true, Value: true };
            awaited = Unwrap(configure.Instance);
        }

        state = MarkComplete(awaited, state);
        if (awaited is IInvocationOperation invocation && _model.IsUringOperation(invocation.TargetMethod))
        {
            return state.WithOnReactor(true);
        }

        return capturesContext ? state : state.WithOnReactor(false);
    }

    private ReactorState MarkComplete(IOperation awaited, ReactorState state)
    {
        if (Variable(awaited) is { } variable)
        {
            return state.WithCompleted(variable);
        }

        // await Task.WhenAll(a, b) / Task.WhenAll(tasks): each of them (every element of the array) is complete.
        if (awaited is IInvocationOperation whenAll && whenAll.TargetMethod.IsStatic && whenAll.TargetMethod.Name == "WhenAll")
        {
            foreach (var argument in whenAll.Arguments)
            {
                var value = Unwrap(argument.Value);
                if (value is IArrayCreationOperation array && array.Initializer != null)
                {
                    foreach (var element in array.Initializer.ElementValues)
                    {
                        if (Variable(element) is { } task)
                        {
                            state = state.WithCompleted(task);
                        }
                    }
                }
                else if (Variable(value) is { } tasks)
                {
                    state = state.WithCompleted(tasks);
                }
            }
        }

        return state;
    }

    /// <summary>Whether the task is certainly complete: a known-complete variable, or a task made complete.</summary>
    private bool IsKnownComplete(IOperation task, ReactorState state)
    {
        task = Unwrap(task);
        switch (task)
        {
            case IArrayElementReferenceOperation element:
                return IsKnownComplete(element.ArrayReference, state);
            case IPropertyReferenceOperation property:
                return property.Property.IsStatic && property.Property.Name == "CompletedTask" && _model.IsTaskType(property.Property.ContainingType);
            case IInvocationOperation invocation:
                return invocation.TargetMethod.IsStatic && _model.IsTaskType(invocation.TargetMethod.ContainingType)
                    && (invocation.TargetMethod.Name == "FromResult" || invocation.TargetMethod.Name == "FromException" || invocation.TargetMethod.Name == "FromCanceled");
            case IObjectCreationOperation creation:
                // new ValueTask<T>(result) holds a result; the other constructors wrap a task or a source.
                return _model.IsTaskType(creation.Type) && creation.Constructor is { } constructor
                    && (constructor.Parameters.Length == 0 || constructor.OriginalDefinition.Parameters[0].Type is ITypeParameterSymbol);
            case IDefaultValueOperation defaultValue:
                return _model.IsTaskType(defaultValue.Type) && defaultValue.Type?.IsValueType == true;
            default:
                return Variable(task) is { } variable && state.Completed.Contains(variable);
        }
    }

    /// <summary>
    /// Whether the task is a UringSafe operation started on this thread and not known to be complete: it completes
    /// only when this reactor reaps its completion, so blocking on it here waits forever.
    /// </summary>
    private bool IsPendingOperation(IOperation task, ReactorState state)
    {
        task = Unwrap(task);
        while (task is IInvocationOperation wrapper && wrapper.Instance != null
            && (LendingModel.IsTaskWrapper(wrapper) || wrapper.TargetMethod.Name == "GetAwaiter"))
        {
            task = Unwrap(wrapper.Instance);
        }

        if (task is IInvocationOperation invocation)
        {
            return _model.IsUringOperation(invocation.TargetMethod);
        }

        return Variable(task) is { } variable && state.PendingOperations.Contains(variable) && !state.Completed.Contains(variable);
    }

    /// <summary>On a branch that tests <c>task.IsCompleted</c> (or its kin), the task is complete on the side where the test held.</summary>
    private void Branch(BasicBlock block, ReactorState state, out ReactorState? fallThrough, out ReactorState? conditional)
    {
        fallThrough = state;
        conditional = block.ConditionalSuccessor != null ? state : null;
        if (block.ConditionalSuccessor == null || block.BranchValue == null || !CompletionTest(block.BranchValue, out var task, out var whenTrue))
        {
            return;
        }

        var jumpsWhen = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
        if (jumpsWhen == whenTrue)
        {
            conditional = state.WithCompleted(task);
        }
        else
        {
            fallThrough = state.WithCompleted(task);
        }
    }

    private bool CompletionTest(IOperation condition, out ISymbol task, out bool whenTrue)
    {
        condition = Unwrap(condition);
        if (condition is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not && CompletionTest(not.Operand, out task, out whenTrue))
        {
            whenTrue = !whenTrue;
            return true;
        }

        task = null!;
        whenTrue = true;
        if (condition is IPropertyReferenceOperation property && property.Instance != null && _model.IsTaskType(property.Property.ContainingType)
            && (property.Property.Name == "IsCompleted" || property.Property.Name == "IsCompletedSuccessfully"
                || property.Property.Name == "IsFaulted" || property.Property.Name == "IsCanceled")
            && Variable(property.Instance) is { } variable)
        {
            task = variable;
            return true;
        }

        return false;
    }

    private ISymbol? Variable(IOperation operation)
    {
        switch (Unwrap(operation))
        {
            case ILocalReferenceOperation local:
                return local.Local;
            case IParameterReferenceOperation parameter:
                return parameter.Parameter;
            default:
                return null;
        }
    }

    /// <summary>Looks through conversions, parentheses and the graph's flow captures to the value itself.</summary>
    private IOperation Unwrap(IOperation operation)
    {
        while (true)
        {
            operation = LendingModel.StripConversions(operation);
            if (!(operation is IFlowCaptureReferenceOperation reference) || !_captures.TryGetValue(reference.Id, out var value))
            {
                return operation;
            }

            operation = value;
        }
    }
}
