using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>
/// The transfer function of the ownership dataflow over one control flow graph: how each operation of a basic block
/// changes the ownership state (lending, completing, assigning, aliasing), and the states an exception may leave with.
/// </summary>
internal sealed class OwnershipTransfer
{
    private readonly ControlFlowGraph _cfg;
    private readonly LendingFacts _facts;
    private readonly AccessPathResolver _paths;
    private readonly Dictionary<IOperation, LoanInfo> _loans;
    private readonly OwnershipUseChecks _uses;
    private readonly CaptureTracker _captures;
    private readonly SemanticModel? _model;
    private readonly CancellationToken _cancellationToken;

    private OwnershipState _state = new OwnershipState();
    private OwnershipState? _exceptional;
    private bool _report;

    public OwnershipTransfer(ControlFlowGraph cfg, LendingFacts facts, AccessPathResolver paths, Dictionary<IOperation, LoanInfo> loans,
        OwnershipUseChecks uses, CaptureTracker captures, SemanticModel? model, CancellationToken cancellationToken)
    {
        _model = model;
        _cfg = cfg;
        _facts = facts;
        _paths = paths;
        _loans = loans;
        _uses = uses;
        _captures = captures;
        _cancellationToken = cancellationToken;
    }

    /// <summary>After a transfer with trackExceptional: the join of the states an exception could leave the block with.</summary>
    public OwnershipState? Exceptional => _exceptional;

    /// <summary>
    /// The state after <paramref name="block"/>, from a copy of <paramref name="entry"/>. With
    /// <paramref name="trackExceptional"/>, <see cref="Exceptional"/> then holds the join of every state an exception
    /// could leave the block with; with <paramref name="report"/>, uses of lent locations are reported on the way.
    /// </summary>
    public OwnershipState Transfer(BasicBlock block, OwnershipState entry, bool trackExceptional, bool report)
    {
        _state = entry.Clone();
        _exceptional = trackExceptional ? new OwnershipState() : null;
        _report = report;
        foreach (var operation in FlowGraphs.Operations(block))
        {
            if (MayThrow(operation))
            {
                // An exception leaves with the state before the operation (or a state inside it, snapshotted there).
                Snapshot();
            }

            Visit(operation);
        }

        // A throw or rethrow ending the block leaves with the final state.
        Snapshot();
        return _state;
    }

    /// <summary>
    /// False for an assignment that cannot throw: of a variable, a constant, or the buffer on an exception
    /// (<c>buf = ReturnedBuffer.From&lt;T&gt;(e)</c>, which only reads a property), so a catch that takes the buffer
    /// back first is not seen leaving before it.
    /// </summary>
    private static bool MayThrow(IOperation operation)
    {
        switch (operation)
        {
            case ISimpleAssignmentOperation assignment when !assignment.IsRef:
                return !(assignment.Target is ILocalReferenceOperation || assignment.Target is IParameterReferenceOperation)
                    || !CannotThrow(assignment.Value);
            case IFlowCaptureOperation capture:
                return !CannotThrow(capture.Value);
            case IExpressionStatementOperation statement:
                return MayThrow(statement.Operation);
            default:
                return true;
        }

        static bool CannotThrow(IOperation value)
        {
            switch (value)
            {
                case IConversionOperation conversion when conversion.IsImplicit:
                    return CannotThrow(conversion.Operand);
                case ILocalReferenceOperation:
                case IParameterReferenceOperation:
                case IFlowCaptureReferenceOperation:
                case ILiteralOperation:
                case IDefaultValueOperation:
                case IInstanceReferenceOperation:
                case ICaughtExceptionOperation:
                    return true;
                case IInvocationOperation call when call.TargetMethod.Name == "From" && call.TargetMethod.ContainingType?.Name == "ReturnedBuffer":
                    foreach (var argument in call.Arguments)
                    {
                        if (!CannotThrow(argument.Value))
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>Records the current state as one an exception could leave the protected region with.</summary>
    private void Snapshot()
    {
        _exceptional?.JoinWith(_state);
    }

    private void Use(AccessPath path, SyntaxNode syntax)
    {
        if (_report)
        {
            _uses.Use(_state, path, syntax);
        }
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
            case IPropertyReferenceOperation result when result.Property.Name == "Result" && BufferTypes.IsTaskLike(result.Instance?.Type):
                Visit(result.Instance);
                Complete(result.Instance);
                Snapshot();
                return;
            case IFlowCaptureOperation capture:
                if (_paths.ResolvePath(capture.Value) != null)
                {
                    // The captured location is read where the capture is referenced.
                    VisitPathReceiver(capture.Value);
                    return;
                }

                Visit(capture.Value);
                return;
            case IFlowCaptureReferenceOperation captureReference:
                {
                    var path = _paths.ResolvePath(captureReference);
                    if (path != null)
                    {
                        Use(path, _paths.CapturedSyntax(captureReference) ?? captureReference.Syntax);
                    }

                    return;
                }

            case IFlowAnonymousFunctionOperation lambda:
                if (_report)
                {
                    _captures.CheckLambda(_cfg.GetAnonymousFunctionControlFlowGraph(lambda, _cancellationToken), _state);
                }

                return;
            case IMethodReferenceOperation methodReference when methodReference.Method.MethodKind == MethodKind.LocalFunction:
                if (_report)
                {
                    _captures.CheckLocalFunction(_cfg, _state, methodReference.Method);
                }

                return;
            case IMethodReferenceOperation { Instance: null } extension when ExtensionTarget(extension) is { } target:
                Use(target.Path, target.Syntax);
                return;
        }

        if (operation is IPropertyReferenceOperation { Arguments.IsEmpty: false, Instance: { } indexed } && _report
            && _paths.ResolvePath(indexed) is { } indexedPath)
        {
            // An indexer (`r[0]`) may read any member of what it indexes (`r.Buffer[0]`).
            _uses.UseMembers(_state, indexedPath, indexed is IFlowCaptureReferenceOperation reference ? _paths.CapturedSyntax(reference) ?? indexed.Syntax : indexed.Syntax);
        }

        var referencedPath = _paths.ResolvePath(operation);
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
            case IArrayElementReferenceOperation element:
                Visit(element.ArrayReference);
                foreach (var index in element.Indices)
                {
                    Visit(index);
                }

                break;
        }
    }

    private void VisitAssignment(ISimpleAssignmentOperation assignment)
    {
        var target = _paths.ResolvePath(assignment.Target);
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

        var path = _paths.ResolvePath(target);
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
    /// The locals a pattern declares get new values each time it runs. The whole pattern's local holds its input (an
    /// alias when the input is a tracked location); a local in a property subpattern (<c>msg is { Body: var body }</c>)
    /// holds that member of the input, an alias of <c>msg.Body</c>; other nested ones hold parts that are not tracked.
    /// </summary>
    private void DeclarePatternLocals(IPatternOperation pattern, IOperation input)
    {
        var stripped = LendingModel.StripConversions(input);
        Declare(pattern, _paths.ResolvePath(stripped) ?? _paths.DerivedRoot(stripped), isTop: true);

        void Declare(IOperation current, AccessPath? inputPath, bool isTop)
        {
            var declared = current switch
            {
                IDeclarationPatternOperation declaration => declaration.DeclaredSymbol,
                IRecursivePatternOperation recursive => recursive.DeclaredSymbol,
                IListPatternOperation list => list.DeclaredSymbol,
                _ => null,
            };
            if (declared != null)
            {
                if (isTop)
                {
                    Assign(AccessPath.Of(declared), input);
                }
                else
                {
                    _state.Overwrite(AccessPath.Of(declared));
                    if (inputPath != null && declared is ILocalSymbol local && BufferTypes.IsAliasCapable(local.Type))
                    {
                        AliasTo(AccessPath.Of(declared), inputPath);
                    }
                }
            }

            foreach (var child in current.ChildOperations)
            {
                if (child is IPropertySubpatternOperation subpattern)
                {
                    var member = subpattern.Member switch
                    {
                        IPropertyReferenceOperation property when property.Arguments.IsEmpty && !property.Property.IsStatic => (ISymbol)property.Property,
                        IFieldReferenceOperation field when !field.Field.IsStatic => field.Field,
                        _ => null,
                    };
                    Declare(subpattern.Pattern, member == null ? null : inputPath?.Append(member), isTop: false);
                }
                else if (child is IPatternOperation nested)
                {
                    // `and`, `or`, `not` and parentheses keep the input; list elements and positional parts are not tracked.
                    var keepsInput = current is IBinaryPatternOperation || current is INegatedPatternOperation;
                    Declare(nested, keepsInput ? inputPath : null, isTop: false);
                }
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

        AliasValue(target, value, stripped);
        var origin = _paths.ComputeOrigin(stripped, _state);
        if (origin != null)
        {
            _state.Origins[target] = origin;
        }
    }

    /// <summary>
    /// What <paramref name="target"/>, just assigned <paramref name="value"/>, refers to: the memory of the location the
    /// value names or views, the members of a struct it copies, the members an object initializer gave it.
    /// </summary>
    private void AliasValue(AccessPath target, IOperation value, IOperation stripped)
    {
        if (BufferTypes.IsAliasCapable(value.Type) || BufferTypes.IsAliasCapable(stripped.Type))
        {
            var source = _paths.ResolvePath(stripped) ?? _paths.DerivedRoot(stripped);
            if (source != null)
            {
                AliasTo(target, source);
            }

            if (stripped is IPropertyReferenceOperation { Arguments.IsEmpty: true, Instance: { Type.IsReferenceType: true } instance } property
                && property.Property.Name == "Buffer" && SymbolEqualityComparer.Default.Equals(property.Type, instance.Type)
                && _paths.ResolvePath(instance) is { } self)
            {
                // A result's Buffer of the result's own class may be the result itself (`Buffer => this`, `buf = r.Buffer`).
                AliasTo(target, self);
            }
        }
        else if (stripped.Type is { TypeKind: TypeKind.Struct, SpecialType: SpecialType.None } structType
            && SymbolEqualityComparer.Default.Equals(structType, value.Type)
            && _paths.ResolvePath(stripped) is { } copied)
        {
            CopyMembers(target, copied, structType);
        }

        if (stripped is IFlowCaptureReferenceOperation created && _paths.InitializedMembers(created.Id) is { } members)
        {
            // `h = new Holder { Arr = buf }`: the initializer assigned the members of the object h now holds.
            foreach (var (member, memberValue) in members)
            {
                if (target.Append(member) is { } targetMember)
                {
                    AliasValue(targetMember, memberValue, LendingModel.StripConversions(memberValue));
                }
            }
        }
    }

    /// <summary>
    /// A struct copied from a location (<c>var copy = h;</c>): each member of the copy that can hold a buffer holds what
    /// the original's does, an alias of it and of everything it aliases (structs in it alike, as deep as a path goes).
    /// </summary>
    private void CopyMembers(AccessPath target, AccessPath source, ITypeSymbol type)
    {
        foreach (var member in type.GetMembers())
        {
            if (!(member is IFieldSymbol { IsStatic: false } field))
            {
                continue;
            }

            // An auto-property's backing field: its paths name the property.
            var symbol = field.AssociatedSymbol ?? field;
            var targetMember = target.Append(symbol);
            var sourceMember = source.Append(symbol);
            if (targetMember == null || sourceMember == null)
            {
                continue;
            }

            if (BufferTypes.IsAliasCapable(field.Type))
            {
                AliasTo(targetMember, sourceMember);
            }
            else if (field.Type is { TypeKind: TypeKind.Struct, SpecialType: SpecialType.None } && !SymbolEqualityComparer.Default.Equals(field.Type, type))
            {
                CopyMembers(targetMember, sourceMember, field.Type);
            }
        }
    }

    /// <summary>
    /// <paramref name="target"/> now refers to the memory of <paramref name="source"/>, and so to everything that
    /// already does (a Span over a fixed pointer over an array is an alias of the array).
    /// </summary>
    private void AliasTo(AccessPath target, AccessPath source)
    {
        if (source.IsWithin(target))
        {
            return;
        }

        _state.AddAlias(target, source);
        foreach (var transitive in new List<AccessPath>(_state.AliasesOf(source)))
        {
            if (!transitive.IsWithin(target))
            {
                _state.AddAlias(target, transitive);
            }
        }
    }

    private void VisitInvocation(IInvocationOperation invocation)
    {
        Visit(invocation.Instance);

        List<(AccessPath? Path, IOperation Value, PointerOrigin? Origin)>? lent = null;
        List<(AccessPath Path, IParameterSymbol Parameter)>? outputs = null;
        var consumed = false;
        foreach (var argument in invocation.Arguments)
        {
            if (_facts.IsLendingParameter(argument.Parameter))
            {
                (lent ??= new List<(AccessPath?, IOperation, PointerOrigin?)>()).Add(LendArgument(argument.Value, lent));
                consumed |= _facts.ConsumesParameter(argument.Parameter!);
                continue;
            }

            if (argument.Parameter != null && argument.Parameter.RefKind == RefKind.Out)
            {
                // `out var copy` declares the variable it sets.
                var target = argument.Value is IDeclarationExpressionOperation declaration ? declaration.Expression : argument.Value;
                var output = _paths.ResolvePath(target);
                if (output != null)
                {
                    VisitPathReceiver(target);
                    (outputs ??= new List<(AccessPath, IParameterSymbol)>()).Add((output, argument.Parameter));
                    continue;
                }
            }

            Visit(argument.Value);
        }

        if (lent != null)
        {
            var info = new LoanInfo { ReleasedAtCompletion = true };
            foreach (var item in lent)
            {
                if (item.Path != null)
                {
                    _state.PathLoans[item.Path] = new HashSet<IOperation>(new[] { (IOperation)invocation });
                }

                // Raw memory, and a view (arr.AsMemory()) of a location, come back to nobody: the location is
                // usable again once the kernel is done, whatever happens to the view in the result.
                var stripped = LendingModel.StripConversions(item.Value);
                if (!LendingModel.IsRawMemoryType(stripped.Type) && (item.Path == null || _paths.ResolvePath(stripped) != null))
                {
                    info.ReleasedAtCompletion = false;
                }

                if (item.Origin != null && info.Origin == null)
                {
                    info.Origin = item.Origin;
                    info.OriginSyntax = stripped.Syntax;
                }
            }

            if (consumed)
            {
                // The helper disposes the buffer or returns it to a pool: it took the buffer over for good.
                info.ReleasedAtCompletion = false;
                info.ConsumedBy = invocation.TargetMethod.Name;
            }
            else if (!_facts.ResultCarriesBuffer(LendingModel.AwaitedType(invocation.Type)))
            {
                // A [Lends] helper whose result carries no buffer (Task): its callers' buffers are theirs again
                // once it completes, as after a borrow.
                info.ReleasedAtCompletion = true;
            }

            if (!_loans.ContainsKey(invocation))
            {
                _loans[invocation] = info;
            }

            _state.Loans[invocation] = LoanFlags.InFlight;
            Snapshot();
        }

        if (outputs != null)
        {
            foreach (var (output, parameter) in outputs)
            {
                Assign(output, null);
                if (BufferTypes.IsAliasCapable(parameter.Type))
                {
                    AliasOutput(output, parameter, invocation, lent);
                }
            }
        }

        var method = invocation.TargetMethod;
        if (method.MethodKind == MethodKind.LocalFunction && _report)
        {
            _captures.CheckLocalFunction(_cfg, _state, method);
        }

        if (lent == null && BufferTypes.IsTaskLike(invocation.Type))
        {
            StartDelegates(invocation);
        }

        // GetResult on an awaiter, fresh (`GetAwaiter().GetResult()`) or kept in a local, completes its task's loans.
        if (invocation.Instance != null
            && (method.Name == "GetResult" || (method.Name == "Wait" && BufferTypes.IsTaskLike(invocation.Instance.Type))))
        {
            Complete(invocation.Instance);
            Snapshot();
        }
    }

    /// <summary>
    /// A lambda passed to a call that returns a task (<c>Task.Run(() =&gt; Hash(chunk))</c>) may run until that task
    /// completes: what it captures is in use until then, like a loan that holds no location. So does the target of a
    /// method group (<c>Task.Run(buf.Touch)</c>).
    /// </summary>
    private void StartDelegates(IInvocationOperation invocation)
    {
        List<(AccessPath Path, SyntaxNode Syntax)>? captured = null;
        foreach (var argument in invocation.Arguments)
        {
            var value = argument.Value;
            while (true)
            {
                value = LendingModel.StripConversions(value);
                if (value is IDelegateCreationOperation creation)
                {
                    value = creation.Target;
                }
                else if (value is IFlowCaptureReferenceOperation reference && _paths.CapturedValues(reference.Id) is { Count: 1 } values)
                {
                    value = values[0];
                }
                else
                {
                    break;
                }
            }

            if (value is IFlowAnonymousFunctionOperation lambda)
            {
                _captures.CollectCaptures(_cfg.GetAnonymousFunctionControlFlowGraph(lambda, _cancellationToken), lambda.Symbol, captured ??= new List<(AccessPath, SyntaxNode)>());
            }
            else if (value is IMethodReferenceOperation group && BoundTarget(group) is { } target)
            {
                // A method group bound to a location (`buf.Touch`, an extension's `buf.Hash`) runs with it as its target.
                (captured ??= new List<(AccessPath, SyntaxNode)>()).Add(target);
            }
        }

        if (captured == null || captured.Count == 0)
        {
            return;
        }

        if (!_loans.ContainsKey(invocation))
        {
            _loans[invocation] = new LoanInfo { ReleasedAtCompletion = true, Running = captured };
        }

        _state.Loans[invocation] = LoanFlags.InFlight;
    }

    /// <summary>
    /// An out argument that may hand back the buffer: of a lending call, any buffer it lends (<c>Outs.ReadAsync(buf, out
    /// var same)</c>); of another call, a view of the memory its receiver or first argument views, as its result would
    /// be (<c>MemoryMarshal.TryGetArray(memory, out var segment)</c>, see <see cref="AccessPathResolver.DerivedRoot"/>).
    /// </summary>
    private void AliasOutput(AccessPath output, IParameterSymbol parameter, IInvocationOperation invocation,
        List<(AccessPath? Path, IOperation Value, PointerOrigin? Origin)>? lent)
    {
        if (lent != null)
        {
            foreach (var item in lent)
            {
                if (item.Path != null)
                {
                    AliasTo(output, item.Path);
                }
            }

            return;
        }

        var source = BufferTypes.IsBufferView(parameter.Type) ? AccessPathResolver.ViewedOperand(invocation) : null;
        var path = source == null ? null : _paths.ResolvePath(LendingModel.StripConversions(source)) ?? _paths.DerivedRoot(source);
        if (path != null)
        {
            AliasTo(output, path);
        }
    }

    /// <summary>The location a method group is bound to (<c>buf</c> of <c>buf.Touch</c> or of an extension's <c>buf.Hash</c>).</summary>
    private (AccessPath Path, SyntaxNode Syntax)? BoundTarget(IMethodReferenceOperation group)
    {
        if (group.Instance == null)
        {
            return ExtensionTarget(group);
        }

        var target = LendingModel.StripConversions(group.Instance);
        var path = _paths.ResolvePath(target);
        if (path == null)
        {
            return null;
        }

        return (path, target is IFlowCaptureReferenceOperation reference ? _paths.CapturedSyntax(reference) ?? target.Syntax : target.Syntax);
    }

    /// <summary>
    /// The location an extension method group is bound to (<c>buf</c> of <c>buf.Hash</c>): the operation leaves the
    /// receiver out (its Instance is null), so it is read from the syntax.
    /// </summary>
    private (AccessPath Path, SyntaxNode Syntax)? ExtensionTarget(IMethodReferenceOperation group)
    {
        if (!group.Method.IsExtensionMethod || !(group.Syntax is MemberAccessExpressionSyntax access))
        {
            return null;
        }

        var model = group.SemanticModel ?? _model;
        var receiver = model?.SyntaxTree == access.SyntaxTree ? model.GetOperation(access.Expression, _cancellationToken) : null;
        var path = receiver == null ? null : _paths.ResolvePath(LendingModel.StripConversions(receiver));
        return path == null ? null : (path, access.Expression);
    }

    private (AccessPath? Path, IOperation Value, PointerOrigin? Origin) LendArgument(IOperation value, List<(AccessPath? Path, IOperation Value, PointerOrigin? Origin)> earlierInSameCall)
    {
        var stripped = LendingModel.StripConversions(value);
        var path = _paths.ResolvePath(stripped);
        if (path != null)
        {
            VisitPathReceiver(stripped);
        }
        else
        {
            path = _paths.DerivedRoot(stripped);
            if (path == null)
            {
                Visit(value);
            }
        }

        var origin = _paths.ComputeOrigin(stripped, _state);
        if (path != null && _report)
        {
            var syntax = stripped is IFlowCaptureReferenceOperation reference ? _paths.CapturedSyntax(reference) ?? stripped.Syntax : stripped.Syntax;
            var lentInSameCall = earlierInSameCall.Exists(item => item.Path != null && (item.Path.IsWithin(path) || path.IsWithin(item.Path)));
            _uses.CheckLend(_state, path, syntax, lentInSameCall);
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
                var released = _loans.TryGetValue(loan, out var info) && info.ReleasedAtCompletion;
                _state.Loans[loan] = released ? LoanFlags.None : LoanFlags.AwaitedNotReturned;
            }
        }
    }

    private static readonly HashSet<IOperation> NoLoans = new HashSet<IOperation>();

    /// <summary>The loans a task completes; <see cref="NoLoans"/> (never to be changed) for most operations.</summary>
    private HashSet<IOperation> ResolveTaskLoans(IOperation? operation)
    {
        HashSet<IOperation>? result = null;
        Collect(operation, 0);
        return result ?? NoLoans;

        void Collect(IOperation? current, int depth)
        {
            if (current == null || depth > 8)
            {
                return;
            }

            current = LendingModel.StripConversions(current);
            switch (current)
            {
                case IInvocationOperation invocation when _loans.ContainsKey(invocation) || _facts.IsLendingInvocation(invocation):
                    (result ??= new HashSet<IOperation>(OwnershipState.OperationComparer)).Add(invocation);
                    return;
                case IInvocationOperation wrapper when wrapper.Instance != null
                    && (LendingModel.IsTaskWrapper(wrapper) || wrapper.TargetMethod.Name == "GetAwaiter"):
                    Collect(wrapper.Instance, depth + 1);
                    return;
                case IFlowCaptureReferenceOperation reference:
                    if (_paths.CapturedValues(reference.Id) is { } values)
                    {
                        foreach (var value in values)
                        {
                            Collect(value, depth + 1);
                        }
                    }

                    return;
            }

            var path = _paths.ResolvePath(current);
            if (path != null && _state.TaskLoans.TryGetValue(path, out var loans))
            {
                (result ??= new HashSet<IOperation>(OwnershipState.OperationComparer)).UnionWith(loans);
            }
        }
    }
}
