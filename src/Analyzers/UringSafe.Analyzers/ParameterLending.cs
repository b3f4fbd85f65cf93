using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>
/// Which of a method's own parameters its body lends (directly, through a view, or through a local that may hold
/// it), and which of those come back to the caller through the method's result. UR0007 reports the ones that do not
/// come back; <see cref="LendingFacts"/> infers that the ones that do are lent at the call sites.
/// </summary>
internal sealed class ParameterLending
{
    private readonly LendingFacts _facts;
    private readonly Dictionary<ILocalSymbol, List<IOperation>> _assignments = new Dictionary<ILocalSymbol, List<IOperation>>(SymbolEqualityComparer.Default);

    private ParameterLending(LendingFacts facts)
    {
        _facts = facts;
    }

    /// <summary>What each local is assigned: needed only to trace a lent value back to a parameter.</summary>
    private void RecordAssignments(List<IOperation> bodies)
    {
        foreach (var body in bodies)
        {
            foreach (var operation in body.DescendantsAndSelf())
            {
                switch (operation)
                {
                    case IVariableDeclaratorOperation declarator when declarator.Initializer != null:
                        Record(declarator.Symbol, declarator.Initializer.Value);
                        break;
                    case ISimpleAssignmentOperation assignment when assignment.Target is ILocalReferenceOperation local:
                        Record(local.Local, assignment.Value);
                        break;
                    case IDeconstructionAssignmentOperation deconstruction:
                        foreach (var target in deconstruction.Target.DescendantsAndSelf())
                        {
                            if (target is ILocalReferenceOperation element)
                            {
                                Record(element.Local, deconstruction.Value);
                            }
                        }

                        break;
                }
            }
        }
    }

    /// <summary>Parameter -> the first call that lends it.</summary>
    public Dictionary<IParameterSymbol, IInvocationOperation> Lent { get; } = new Dictionary<IParameterSymbol, IInvocationOperation>(SymbolEqualityComparer.Default);

    /// <summary>Lent parameters that come back through the result.</summary>
    public HashSet<IParameterSymbol> Returned { get; } = new HashSet<IParameterSymbol>(SymbolEqualityComparer.Default);

    public static ParameterLending Of(LendingFacts facts, IEnumerable<IOperation> bodies)
    {
        var bodyList = new List<IOperation>(bodies);
        var result = new ParameterLending(facts);
        List<IInvocationOperation>? lending = null;
        foreach (var body in bodyList)
        {
            foreach (var operation in body.DescendantsAndSelf())
            {
                if (operation is IInvocationOperation invocation && facts.IsLendingInvocation(invocation))
                {
                    (lending ??= new List<IInvocationOperation>()).Add(invocation);
                }
            }
        }

        // Most bodies lend nothing: then nothing is lent or returned, and the assignments are never read.
        if (lending != null)
        {
            result.RecordAssignments(bodyList);
            foreach (var invocation in lending)
            {
                result.Collect(invocation);
            }
        }

        return result;
    }

    private void Record(ILocalSymbol local, IOperation value)
    {
        if (!_assignments.TryGetValue(local, out var values))
        {
            values = new List<IOperation>();
            _assignments[local] = values;
        }

        values.Add(value);
    }

    private void Collect(IInvocationOperation invocation)
    {
        foreach (var value in _facts.GetLentValues(invocation))
        {
            var parameters = new List<IParameterSymbol>();
            LentParameters(value, parameters, new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default), 0);
            foreach (var parameter in parameters)
            {
                if (parameter.RefKind != RefKind.None
                    || !(parameter.ContainingSymbol is IMethodSymbol owner)
                    || owner.MethodKind == MethodKind.AnonymousFunction)
                {
                    // A ref parameter gives the buffer back through itself; a lambda's parameters belong to a delegate
                    // type, which cannot carry [Lends].
                    continue;
                }

                if (!Lent.ContainsKey(parameter))
                {
                    Lent[parameter] = invocation;
                }

                if (ComesBackThroughResult(invocation, parameter, owner))
                {
                    Returned.Add(parameter);
                }
            }
        }
    }

    /// <summary>The parameters a lent value may be: itself, a view of it, or a local that may hold one (<c>var wire = payload;</c>).</summary>
    private void LentParameters(IOperation value, List<IParameterSymbol> result, HashSet<ILocalSymbol> visited, int depth)
    {
        if (depth > 8)
        {
            return;
        }

        value = LendingModel.StripConversions(value);
        switch (value)
        {
            case IParameterReferenceOperation reference:
                result.Add(reference.Parameter);
                return;
            case ILocalReferenceOperation pinned when pinned.Local.IsFixed:
                // Memory pinned by a fixed statement of this method is lent only until the block ends: a read still in
                // flight there is UR0005, so nothing is lent past the call and the parameter needs no [Lends].
                return;
            case ILocalReferenceOperation local when visited.Add(local.Local) && _assignments.TryGetValue(local.Local, out var values):
                foreach (var assigned in values)
                {
                    LentParameters(assigned, result, visited, depth + 1);
                }

                return;
            case IConditionalOperation conditional:
                LentParameters(conditional.WhenTrue, result, visited, depth + 1);
                if (conditional.WhenFalse != null)
                {
                    LentParameters(conditional.WhenFalse, result, visited, depth + 1);
                }

                return;
            case ICoalesceOperation coalesce:
                LentParameters(coalesce.Value, result, visited, depth + 1);
                LentParameters(coalesce.WhenNull, result, visited, depth + 1);
                return;
            case IInvocationOperation view when (view.Instance != null || view.Arguments.Length > 0) && IsViewCall(view):
                LentParameters(view.Instance ?? view.Arguments[0].Value, result, visited, depth + 1);
                return;
        }
    }

    /// <summary><c>AsMemory</c>, <c>AsSpan</c>, <c>Slice</c>: a view of the same memory.</summary>
    private static bool IsViewCall(IInvocationOperation invocation)
    {
        var name = invocation.TargetMethod.Name;
        return name == "AsMemory" || name == "AsSpan" || name == "Slice";
    }

    /// <summary>
    /// Whether the buffer comes back to the caller through the method's result: the method returns the operation's
    /// task (or its awaited result) directly and that result carries the buffer, or returns a result that carries a
    /// buffer and is the parameter, mentions it, or is a local holding the operation's result.
    /// </summary>
    private bool ComesBackThroughResult(IInvocationOperation invocation, IParameterSymbol parameter, IMethodSymbol owner)
    {
        if (!_facts.ResultCarriesBuffer(LendingModel.AwaitedType(owner.ReturnType)))
        {
            return false;
        }

        var top = LendingModel.SkipTaskWrappersUpward(invocation);
        if (top.Parent is IAwaitOperation awaitOperation)
        {
            top = awaitOperation;
            while (top.Parent is IConversionOperation)
            {
                top = top.Parent;
            }
        }

        if (top.Parent is IReturnOperation && EnclosingFunction(top, owner) == null)
        {
            // A plain Task or ValueTask<int> carries nothing back, whatever the method returns.
            return _facts.ResultCarriesBuffer(LendingModel.AwaitedType(invocation.Type));
        }

        foreach (var operation in Root(invocation, owner).DescendantsAndSelf())
        {
            if (operation is IReturnOperation @return && @return.ReturnedValue != null && EnclosingFunction(@return, owner) == null
                && HandsBack(@return.ReturnedValue, invocation, parameter))
            {
                return true;
            }
        }

        return false;
    }

    private bool HandsBack(IOperation returned, IInvocationOperation invocation, IParameterSymbol parameter)
    {
        foreach (var part in returned.DescendantsAndSelf())
        {
            if (part is IParameterReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Parameter, parameter))
            {
                return true;
            }
        }

        var stripped = LendingModel.StripConversions(returned);
        if (stripped is ITupleOperation tuple)
        {
            foreach (var element in tuple.Elements)
            {
                if (HoldsResult(element, invocation, new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default)))
                {
                    return true;
                }
            }

            return false;
        }

        return HoldsResult(stripped, invocation, new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default));
    }

    /// <summary>Whether the value is a local assigned from the operation's result (<c>var r = await op(buf); return r;</c>).</summary>
    private bool HoldsResult(IOperation value, IInvocationOperation invocation, HashSet<ILocalSymbol> visited)
    {
        value = LendingModel.StripConversions(value);
        if (!(value is ILocalReferenceOperation local) || !visited.Add(local.Local) || !_assignments.TryGetValue(local.Local, out var values))
        {
            return false;
        }

        foreach (var assigned in values)
        {
            foreach (var part in assigned.DescendantsAndSelf())
            {
                if (ReferenceEquals(part, invocation) || (part is ILocalReferenceOperation && HoldsResult(part, invocation, visited)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The lambda or local function the operation is in, below the parameter's own method.</summary>
    private static IOperation? EnclosingFunction(IOperation operation, IMethodSymbol owner)
    {
        for (var current = operation.Parent; current != null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation lambda)
            {
                return SymbolEqualityComparer.Default.Equals(lambda.Symbol, owner) ? null : lambda;
            }

            if (current is ILocalFunctionOperation localFunction)
            {
                return SymbolEqualityComparer.Default.Equals(localFunction.Symbol, owner) ? null : localFunction;
            }
        }

        return null;
    }

    private static IOperation Root(IOperation operation, IMethodSymbol owner)
    {
        var current = operation;
        while (current.Parent != null)
        {
            if (current.Parent is ILocalFunctionOperation localFunction && SymbolEqualityComparer.Default.Equals(localFunction.Symbol, owner))
            {
                return localFunction;
            }

            current = current.Parent;
        }

        return current;
    }
}
