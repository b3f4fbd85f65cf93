using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>Which types the ownership analysis treats as tasks, as views of memory, or as able to alias a buffer.</summary>
internal static class BufferTypes
{
    public static bool IsTaskLike(ITypeSymbol? type)
    {
        if (!(type is INamedTypeSymbol named))
        {
            return false;
        }

        var name = named.Name;
        return (name == "Task" || name == "ValueTask")
            && LendingModel.IsNamespace(named.ContainingNamespace, "System.Threading.Tasks");
    }

    public static bool IsBufferView(ITypeSymbol? type)
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
                    return LendingModel.IsNamespace(named.ContainingNamespace, "System");
            }
        }

        return false;
    }

    public static bool IsAliasCapable(ITypeSymbol? type)
    {
        if (type == null || type.SpecialType == SpecialType.System_String || IsTaskLike(type))
        {
            return false;
        }

        return IsBufferView(type) || type.IsReferenceType || type.IsRefLikeType;
    }

    /// <summary>Calls that return fresh memory holding a copy (<c>ToArray()</c>), not a view of their source.</summary>
    public static bool IsCopy(IInvocationOperation invocation)
    {
        var name = invocation.TargetMethod.Name;
        return name == "ToArray" || name == "Clone" || name == "ToImmutableArray";
    }
}
