using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>
/// A check on the operation tree, before any control flow graph is built: whether every loan a function makes is
/// taken back in the statement that makes it (<c>(n, buf) = await file.ReadAtAsync(buf, off);</c>), with nothing
/// that could see the buffer while it is lent. Then the ownership dataflow has nothing to find, and is skipped.
/// </summary>
/// <remarks>
/// Why nothing can be found: the buffer's variable is lent only between the call and the deconstruction that
/// assigns it back, where no code of the function runs, so no use, lend or scope end of it happens while it is lent on
/// a normal path. On the exception path it stays lent, but with no try statement in the function an exception leaves
/// it (a using, foreach or lock finally in between touches only its own resource, which must not be the buffer); and
/// with no alias of the variable (it is assigned only fresh values, and never copied or viewed into anything that
/// could hold it) and no lambda or local function in the function, nothing else can name the buffer.
/// </remarks>
internal static class InPlaceTakeBack
{
    /// <summary>Whether every lending call directly in <paramref name="function"/> (nested functions excluded) is taken back in place.</summary>
    /// <param name="function">A method body, or a lambda or local function.</param>
    /// <param name="functionSymbol">The function's own symbol, which owns the parameters it may lend.</param>
    public static bool CoversEveryLoanIn(IOperation function, ISymbol? functionSymbol, LendingFacts facts)
    {
        // Variable lent -> the references that are part of taking it back in place (the lent argument, the
        // deconstruction target) or are evaluated before the loan starts (other arguments of the call).
        var lent = new Dictionary<ISymbol, HashSet<IOperation>>(SymbolEqualityComparer.Default);
        var declared = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var statements = new HashSet<IOperation>();
        var references = new List<IOperation>();
        var pending = new Stack<IOperation>();
        foreach (var child in function.ChildOperations)
        {
            pending.Push(child);
        }

        while (pending.Count > 0)
        {
            var operation = pending.Pop();
            switch (operation)
            {
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                case ITryOperation:
                    return false;
                case IVariableDeclaratorOperation declarator:
                    if (declarator.Parent is IVariableDeclarationOperation { Parent: IVariableDeclarationGroupOperation { Parent: not (IUsingOperation or IUsingDeclarationOperation) } }
                        && (declarator.Initializer == null || !MayAlias(declarator.Initializer.Value)))
                    {
                        declared.Add(declarator.Symbol);
                    }

                    break;
                case IInvocationOperation invocation when facts.IsLendingInvocation(invocation):
                    if (!TakenBackInPlace(invocation, facts, lent, statements))
                    {
                        return false;
                    }

                    break;
                case ILocalReferenceOperation:
                case IParameterReferenceOperation:
                    references.Add(operation);
                    break;
            }

            foreach (var child in operation.ChildOperations)
            {
                pending.Push(child);
            }
        }

        foreach (var variable in lent.Keys)
        {
            var ownedByFunction = variable is IParameterSymbol parameter
                ? parameter.RefKind == RefKind.None && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, functionSymbol)
                : declared.Contains(variable);
            if (!ownedByFunction)
            {
                return false;
            }
        }

        foreach (var reference in references)
        {
            var variable = reference is ILocalReferenceOperation local ? (ISymbol)local.Local : ((IParameterReferenceOperation)reference).Parameter;
            if (lent.TryGetValue(variable, out var inPlace) && !inPlace.Contains(reference) && !HarmlessUse(reference, function, statements))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// <c>(…, v, …) = await call(v, …)</c> (through <c>ConfigureAwait</c>): one lent value, a local or parameter of a
    /// managed buffer type, assigned back from the result's buffer element; the other targets are plain variables.
    /// </summary>
    private static bool TakenBackInPlace(IInvocationOperation invocation, LendingFacts facts, Dictionary<ISymbol, HashSet<IOperation>> lent, HashSet<IOperation> statements)
    {
        var values = facts.GetLentValues(invocation);
        if (values.Length != 1)
        {
            return false;
        }

        var argument = LendingModel.StripConversions(values[0]);
        var variable = VariableOf(argument);
        if (variable == null || LendingModel.IsRawMemoryType(argument.Type))
        {
            return false;
        }

        if (!(LendingModel.SkipTaskWrappersUpward(invocation).Parent is IAwaitOperation awaited))
        {
            return false;
        }

        IOperation value = awaited;
        while (value.Parent is IConversionOperation || value.Parent is IParenthesizedOperation)
        {
            value = value.Parent;
        }

        if (!(value.Parent is IDeconstructionAssignmentOperation deconstruction) || deconstruction.Value != value
            || !(deconstruction.Target is ITupleOperation tuple) || tuple.Elements.Length < 2)
        {
            return false;
        }

        var index = LendingModel.GetBufferElementIndex(awaited.Type, tuple.Elements.Length, invocation, facts);
        for (var i = 0; i < tuple.Elements.Length; i++)
        {
            var element = tuple.Elements[i];
            var target = VariableOf(element);
            if (i == index ? !SymbolEqualityComparer.Default.Equals(target, variable)
                : !(element is IDiscardOperation || element is IDeclarationExpressionOperation { Expression: ILocalReferenceOperation })
                    && (target == null || SymbolEqualityComparer.Default.Equals(target, variable)))
            {
                return false;
            }
        }

        if (!lent.TryGetValue(variable, out var inPlace))
        {
            inPlace = new HashSet<IOperation>();
            lent[variable] = inPlace;
        }

        inPlace.Add(argument);
        inPlace.Add(tuple.Elements[index]);
        foreach (var other in invocation.Arguments)
        {
            foreach (var part in other.DescendantsAndSelf())
            {
                inPlace.Add(part);
            }
        }

        statements.Add(deconstruction);
        return true;
    }

    private static ISymbol? VariableOf(IOperation operation) => operation switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        _ => null,
    };

    /// <summary>
    /// A use of a lent variable outside the statements that lend it: harmless unless it is inside one of them, in a
    /// using, foreach or lock header (their finally reaches it on the exception path), or makes something that may
    /// alias the buffer (a copy of the reference, a view of its memory, a pattern over it).
    /// </summary>
    private static bool HarmlessUse(IOperation reference, IOperation function, HashSet<IOperation> statements)
    {
        var child = reference;
        for (var parent = reference.Parent; parent != null && parent != function; child = parent, parent = parent.Parent)
        {
            if (statements.Contains(parent))
            {
                return false;
            }

            switch (parent)
            {
                case IUsingOperation usingStatement when usingStatement.Resources == child:
                case IUsingDeclarationOperation:
                case IForEachLoopOperation loop when loop.Collection == child:
                case ILockOperation @lock when @lock.LockedValue == child:
                case IDeconstructionAssignmentOperation:
                case IIsPatternOperation:
                case ISwitchOperation:
                case ISwitchExpressionOperation:
                    return false;
                case ISimpleAssignmentOperation assignment:
                    return assignment.Target == child ? !MayAlias(assignment.Value) : !BufferTypes.IsAliasCapable(assignment.Value.Type);
                case IVariableInitializerOperation initializer:
                    return !BufferTypes.IsAliasCapable(initializer.Value.Type) && !BufferTypes.IsAliasCapable(LendingModel.StripConversions(initializer.Value).Type);
            }
        }

        return true;
    }

    /// <summary>Whether a value assigned to a variable may refer to memory something else also refers to (anything but a fresh value).</summary>
    private static bool MayAlias(IOperation value)
    {
        var stripped = LendingModel.StripConversions(value);
        if (!BufferTypes.IsAliasCapable(value.Type) && !BufferTypes.IsAliasCapable(stripped.Type))
        {
            return false;
        }

        switch (stripped)
        {
            case IConditionalOperation:
            case ICoalesceOperation:
            case ISwitchExpressionOperation:
                return true;
        }

        var paths = new AccessPathResolver();
        return paths.ResolvePath(stripped) != null || paths.DerivedRoot(stripped) != null;
    }
}
