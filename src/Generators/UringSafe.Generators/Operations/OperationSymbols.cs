using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace UringSafe.Generators;

/// <summary>How the operation generator recognises the runtime's types (by name and namespace, as the ownership analyzers do).</summary>
internal static class OperationSymbols
{
    /// <summary>Fully qualified, with nullable annotations: the types the generated code spells out.</summary>
    public static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>The types as messages name them.</summary>
    public static readonly SymbolDisplayFormat ShortFormat = SymbolDisplayFormat.MinimallyQualifiedFormat;

    /// <summary>True when <paramref name="type"/> implements <c>UringSafe.Async.ISharedFdOwner</c>.</summary>
    public static bool HoldsSharedFd(INamedTypeSymbol type)
    {
        foreach (INamedTypeSymbol i in type.AllInterfaces)
        {
            if (i.Name == OperationKnownNames.SharedFdOwnerName && i.ContainingNamespace.ToDisplayString() == OperationKnownNames.SharedFdOwnerNamespace)
                return true;
        }
        return false;
    }

    /// <summary>True for the method's own <c>[Lends]</c>, matched by name like the ownership analyzers do.</summary>
    public static bool IsLendsAttribute(AttributeData attribute)
        => attribute.AttributeClass is { } cls
           && cls.Name == OperationKnownNames.LendsAttributeName
           && cls.ContainingType is null
           && cls.ContainingNamespace?.ToDisplayString() == OperationKnownNames.LendsAttributeNamespace;

    public static bool IsType(ITypeSymbol? type, string ns, string name)
        => type is INamedTypeSymbol { Arity: 0, ContainingType: null } named
           && named.Name == name
           && named.ContainingNamespace?.ToDisplayString() == ns;

    public static bool IsReceivedBuffer(ITypeSymbol type)
        => IsType(type, OperationKnownNames.NetNamespace, OperationKnownNames.ReceivedBufferName);

    public static bool IsSupportedBuffer(ITypeSymbol type)
        => IsType(type, OperationKnownNames.BuffersNamespace, OperationKnownNames.IoBufferName)
           || IsReceivedBuffer(type)
           || type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte }
           || IsByteGeneric(type, "Memory")
           || IsByteGeneric(type, "ReadOnlyMemory");

    /// <summary>For <c>ValueTask&lt;IoResult&lt;T&gt;&gt;</c> returns the <c>IoResult&lt;T&gt;</c> and T; otherwise null.</summary>
    public static ITypeSymbol? IoResultOf(ITypeSymbol returnType, out ITypeSymbol? buffer)
    {
        buffer = null;
        if (returnType is not INamedTypeSymbol { Name: "ValueTask", Arity: 1, ContainingType: null } task
            || task.ContainingNamespace?.ToDisplayString() != "System.Threading.Tasks")
            return null;
        if (task.TypeArguments[0] is not INamedTypeSymbol { Arity: 1, ContainingType: null } result
            || result.Name != OperationKnownNames.IoResultName
            || result.ContainingNamespace?.ToDisplayString() != OperationKnownNames.BuffersNamespace)
            return null;
        buffer = result.TypeArguments[0];
        return result;
    }

    /// <summary>The ordinary methods of <paramref name="type"/> named <paramref name="name"/> (a prepare method, an error mapper).</summary>
    public static List<IMethodSymbol> OrdinaryMethods(INamedTypeSymbol type, string name)
        => type.GetMembers(name).OfType<IMethodSymbol>().Where(static m => m.MethodKind == MethodKind.Ordinary).ToList();

    private static bool IsByteGeneric(ITypeSymbol type, string name)
        => type is INamedTypeSymbol { Arity: 1, ContainingType: null } named
           && named.Name == name
           && named.ContainingNamespace?.ToDisplayString() == "System"
           && named.TypeArguments[0].SpecialType == SpecialType.System_Byte;
}
