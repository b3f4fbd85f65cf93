using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>How the task of a lending call is consumed.</summary>
internal enum TaskConsumption
{
    /// <summary>Stored, passed on, returned or otherwise handed elsewhere.</summary>
    HandedOff,
    /// <summary>Discarded without being awaited (UR0003).</summary>
    Dropped,
    /// <summary>Awaited and the buffer in its result is taken (or at least kept).</summary>
    AwaitedKept,
    /// <summary>Awaited and the buffer in its result is discarded (UR0002).</summary>
    AwaitedDropped,
}

/// <summary>Recognises [Lends] parameters, lending calls and what happens to their tasks.</summary>
internal static class LendingModel
{
    public const string LendsAttributeName = "LendsAttribute";
    public const string LendsNamespace = "UringSafe";

    public static bool IsLendsAttribute(INamedTypeSymbol? type)
    {
        if (type == null || type.Name != LendsAttributeName)
        {
            return false;
        }

        var ns = type.ContainingNamespace;
        return ns != null && ns.Name == LendsNamespace && ns.ContainingNamespace != null && ns.ContainingNamespace.IsGlobalNamespace;
    }

    /// <summary>Whether <paramref name="ns"/> is the namespace named <paramref name="dottedName"/>, compared part by part (ToDisplayString builds a string on every call).</summary>
    public static bool IsNamespace(INamespaceSymbol? ns, string dottedName)
    {
        var end = dottedName.Length;
        while (ns != null && !ns.IsGlobalNamespace)
        {
            var start = dottedName.LastIndexOf('.', end - 1) + 1;
            var length = end - start;
            if (ns.Name.Length != length || string.CompareOrdinal(ns.Name, 0, dottedName, start, length) != 0)
            {
                return false;
            }

            ns = ns.ContainingNamespace;
            end = start - 1;
            if (end < 0)
            {
                return ns != null && ns.IsGlobalNamespace;
            }
        }

        return false;
    }

    public static bool HasLendsAttribute(IParameterSymbol? parameter)
    {
        if (parameter == null)
        {
            return false;
        }

        foreach (var attribute in parameter.OriginalDefinition.GetAttributes())
        {
            if (IsLendsAttribute(attribute.AttributeClass))
            {
                return true;
            }
        }

        return false;
    }

    public static IOperation StripConversions(IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    continue;
                case IParenthesizedOperation parenthesized:
                    operation = parenthesized.Operand;
                    continue;
                case var pinned when IsFixedInitializer(pinned):
                    // `fixed (byte* p = arr)`: the pointer is the array's memory.
                    operation = pinned.ChildOperations.First();
                    continue;
                default:
                    return operation;
            }
        }
    }

    /// <summary>The initializer of a <c>fixed</c> statement over an array or string, which IOperation leaves untyped.</summary>
    private static bool IsFixedInitializer(IOperation operation) =>
        operation.Kind == OperationKind.None
        && operation.Type?.TypeKind == TypeKind.Pointer
        && operation.ChildOperations.Count == 1
        && (operation.ChildOperations.First() is IAddressOfOperation
            || (operation.ChildOperations.First().Type is { } pinned
                && (pinned.TypeKind == TypeKind.Array || pinned.SpecialType == SpecialType.System_String)));

    /// <summary>True for pointers and native integers: memory that is not taken back through a result.</summary>
    public static bool IsRawMemoryType(ITypeSymbol? type)
    {
        if (type == null)
        {
            return false;
        }

        return type.TypeKind == TypeKind.Pointer
            || type.TypeKind == TypeKind.FunctionPointer
            || type.SpecialType == SpecialType.System_IntPtr
            || type.SpecialType == SpecialType.System_UIntPtr;
    }

    /// <summary>Whether any lent value of the call is managed (something that has to be taken back).</summary>
    public static bool LendsManagedBuffer(IInvocationOperation invocation, LendingFacts facts)
    {
        foreach (var value in facts.GetLentValues(invocation))
        {
            if (!IsRawMemoryType(StripConversions(value).Type))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Names of methods and properties that wrap a task without changing who owns it.</summary>
    public static bool IsTaskWrapper(IInvocationOperation invocation)
    {
        var name = invocation.TargetMethod.Name;
        return invocation.Instance != null && (name == "ConfigureAwait" || name == "AsTask" || name == "Preserve");
    }

    /// <summary>Walks up from a task-valued operation through conversions and wrappers such as ConfigureAwait.</summary>
    public static IOperation SkipTaskWrappersUpward(IOperation operation)
    {
        while (true)
        {
            var parent = operation.Parent;
            if (parent is IConversionOperation || parent is IParenthesizedOperation)
            {
                operation = parent;
                continue;
            }

            if (parent is IInvocationOperation wrapper && IsTaskWrapper(wrapper) && wrapper.Instance == operation)
            {
                operation = parent;
                continue;
            }

            // `mirror?.WriteAtAsync(buf, 0)`: the conditional access yields the task (or null), nothing else.
            if (parent is IConditionalAccessOperation conditional && conditional.WhenNotNull == operation)
            {
                operation = parent;
                continue;
            }

            return operation;
        }
    }

    /// <summary>Classifies how the task of the lending call is consumed, returning the await (or synchronous wait) when there is one.</summary>
    public static TaskConsumption Classify(IInvocationOperation invocation, LendingFacts facts, out IOperation? completion)
    {
        completion = null;
        var top = SkipTaskWrappersUpward(invocation);
        var parent = top.Parent;
        switch (parent)
        {
            case IExpressionStatementOperation:
                return TaskConsumption.Dropped;
            case ISimpleAssignmentOperation assignment when assignment.Value == top && assignment.Target is IDiscardOperation:
                return TaskConsumption.Dropped;
            case IAwaitOperation awaitOperation:
                completion = awaitOperation;
                return ClassifyResult(awaitOperation, invocation, facts);
            case IInvocationOperation getAwaiter when getAwaiter.Instance == top && getAwaiter.TargetMethod.Name == "GetAwaiter"
                && getAwaiter.Parent is IInvocationOperation getResult && getResult.TargetMethod.Name == "GetResult":
                completion = getResult;
                return ClassifyResult(getResult, invocation, facts);
            case IPropertyReferenceOperation result when result.Instance == top && result.Property.Name == "Result":
                completion = result;
                return ClassifyResult(result, invocation, facts);
            case IInvocationOperation wait when wait.Instance == top && wait.TargetMethod.Name == "Wait":
                completion = wait;
                return TaskConsumption.AwaitedDropped;
            default:
                return TaskConsumption.HandedOff;
        }
    }

    private static TaskConsumption ClassifyResult(IOperation completion, IInvocationOperation invocation, LendingFacts facts)
    {
        var top = completion;
        while (top.Parent is IConversionOperation || top.Parent is IParenthesizedOperation)
        {
            top = top.Parent;
        }

        var parent = top.Parent;
        switch (parent)
        {
            case IExpressionStatementOperation:
                return TaskConsumption.AwaitedDropped;
            case ISimpleAssignmentOperation assignment when assignment.Value == top && assignment.Target is IDiscardOperation:
                return TaskConsumption.AwaitedDropped;
            case IDeconstructionAssignmentOperation deconstruction when deconstruction.Value == top:
                {
                    var target = deconstruction.Target;
                    if (target is IDeclarationExpressionOperation declaration)
                    {
                        target = declaration.Expression;
                    }

                    if (target is ITupleOperation tuple && tuple.Elements.Length > 0)
                    {
                        var index = GetBufferElementIndex(completion.Type, tuple.Elements.Length, invocation, facts);
                        var element = tuple.Elements[index];
                        if (element is IDeclarationExpressionOperation elementDeclaration)
                        {
                            element = elementDeclaration.Expression;
                        }

                        if (element is IDiscardOperation)
                        {
                            return TaskConsumption.AwaitedDropped;
                        }
                    }

                    return TaskConsumption.AwaitedKept;
                }

            case IPropertyReferenceOperation property when property.Instance == top:
                return IsBufferMember(property.Property.Name, property.Type, invocation, facts) ? TaskConsumption.AwaitedKept : TaskConsumption.AwaitedDropped;
            case IFieldReferenceOperation field when field.Instance == top:
                return IsBufferMember(field.Field.Name, field.Type, invocation, facts) ? TaskConsumption.AwaitedKept : TaskConsumption.AwaitedDropped;
            case IInvocationOperation call when call.Instance == top:
                // (await op).ToString() and the like: the result, and the buffer in it, is gone afterwards.
                return TaskConsumption.AwaitedDropped;
            default:
                return TaskConsumption.AwaitedKept;
        }
    }

    /// <summary>Whether a member read from the awaited result is the buffer (<c>.Buffer</c>) rather than, say, <c>.Result</c>.</summary>
    public static bool IsBufferMember(string name, ITypeSymbol? type, IInvocationOperation invocation, LendingFacts facts)
    {
        if (string.Equals(name, "Buffer", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var value in facts.GetLentValues(invocation))
        {
            if (type != null && SymbolEqualityComparer.Default.Equals(StripConversions(value).Type, type))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What awaiting a value of the type gives: <c>T</c> for <c>Task&lt;T&gt;</c> and <c>ValueTask&lt;T&gt;</c>, null for <c>Task</c> and <c>ValueTask</c>, otherwise the type itself.</summary>
    public static ITypeSymbol? AwaitedType(ITypeSymbol? type)
    {
        if (type is INamedTypeSymbol named && (named.Name == "Task" || named.Name == "ValueTask")
            && IsNamespace(named.ContainingNamespace, "System.Threading.Tasks"))
        {
            return named.IsGenericType && named.TypeArguments.Length == 1 ? named.TypeArguments[0] : null;
        }

        return type;
    }

    /// <summary>Whether the awaited result of the call carries a buffer (a Buffer property or a deconstruction).</summary>
    public static bool ResultCarriesBuffer(ITypeSymbol? resultType)
    {
        if (resultType == null)
        {
            return false;
        }

        if (resultType.IsTupleType)
        {
            return true;
        }

        foreach (var type in SelfAndBaseTypes(resultType))
        {
            foreach (var member in type.GetMembers())
            {
                if (member is IPropertySymbol property && property.Name == "Buffer" && !property.IsStatic)
                {
                    return true;
                }

                if (member is IMethodSymbol method && method.Name == "Deconstruct" && method.Parameters.Length >= 2)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>How many elements the result deconstructs into (a tuple, or a Deconstruct of out parameters); 0 when it does not.</summary>
    public static int DeconstructionArity(ITypeSymbol? type)
    {
        if (type == null)
        {
            return 0;
        }

        if (type is INamedTypeSymbol named && named.IsTupleType)
        {
            return named.TupleElements.Length;
        }

        foreach (var current in SelfAndBaseTypes(type))
        {
            foreach (var member in current.GetMembers("Deconstruct"))
            {
                if (member is IMethodSymbol method && method.Parameters.Length >= 2 && method.Parameters.All(p => p.RefKind == RefKind.Out))
                {
                    return method.Parameters.Length;
                }
            }
        }

        return 0;
    }

    /// <summary>
    /// The statement that takes the buffer back from the call's result, for messages: <c>(_, buf) = await ...;</c> or
    /// <c>buf = (await ...).Buffer;</c>; null when the call lends no variable or its result carries no buffer.
    /// </summary>
    public static string? TakeBackForm(IInvocationOperation invocation, LendingFacts facts)
    {
        var resultType = AwaitedType(invocation.Type);
        if (!LendsManagedBuffer(invocation, facts) || !facts.ResultCarriesBuffer(resultType))
        {
            return null;
        }

        var lent = facts.GetLentValues(invocation).Select(StripConversions).FirstOrDefault(value => !IsRawMemoryType(value.Type));
        if (!(lent is ILocalReferenceOperation || lent is IParameterReferenceOperation || lent is IFieldReferenceOperation || lent is IPropertyReferenceOperation))
        {
            return null;
        }

        var buffer = lent.Syntax.ToString();
        var arity = DeconstructionArity(resultType);
        if (arity == 0)
        {
            return buffer + " = (await ...).Buffer;";
        }

        var index = GetBufferElementIndex(resultType, arity, invocation, facts);
        return "(" + string.Join(", ", Enumerable.Range(0, arity).Select(i => i == index ? buffer : "_")) + ") = await ...;";
    }

    /// <summary>Finds which element of a deconstructed result holds the buffer.</summary>
    public static int GetBufferElementIndex(ITypeSymbol? resultType, int arity, IInvocationOperation? invocation, LendingFacts facts)
    {
        ITypeSymbol? lentType = null;
        if (invocation != null)
        {
            foreach (var value in facts.GetLentValues(invocation))
            {
                lentType = StripConversions(value).Type;
                break;
            }
        }

        var names = new List<(string? Name, ITypeSymbol? Type)>();
        if (resultType is INamedTypeSymbol named && named.IsTupleType && named.TupleElements.Length == arity)
        {
            foreach (var element in named.TupleElements)
            {
                names.Add((element.Name, element.Type));
            }
        }
        else if (resultType != null)
        {
            foreach (var type in SelfAndBaseTypes(resultType))
            {
                foreach (var member in type.GetMembers("Deconstruct"))
                {
                    if (member is IMethodSymbol method && method.Parameters.Length == arity && names.Count == 0)
                    {
                        foreach (var parameter in method.Parameters)
                        {
                            names.Add((parameter.Name, parameter.Type));
                        }
                    }
                }
            }
        }

        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i].Name, "buffer", StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        if (lentType != null)
        {
            for (var i = 0; i < names.Count; i++)
            {
                if (SymbolEqualityComparer.Default.Equals(names[i].Type, lentType))
                {
                    return i;
                }
            }
        }

        return arity == 2 ? 1 : arity - 1;
    }

    private static IEnumerable<ITypeSymbol> SelfAndBaseTypes(ITypeSymbol type)
    {
        for (ITypeSymbol? current = type; current != null; current = current.BaseType)
        {
            yield return current;
        }
    }
}
