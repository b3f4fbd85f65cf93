using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using UringSafe.Generators.Diagnostics;

namespace UringSafe.Generators;

/// <summary>UR1006: the error mapper, when the attribute names one, is a static <c>Exception M(int errno, string
/// operation, int fd, object? buffer)</c> of the containing type.</summary>
internal static class ErrorMapperCheck
{
    /// <summary>True to stop.</summary>
    public static bool Run(OperationCheck check, OperationAttributeArguments arguments)
    {
        if (arguments.ErrorMapper is not { } mapper)
            return false;
        string? reason = FindErrorMapper(check.Method, mapper);
        return reason is not null && check.Fail(OperationDiagnosticDescriptors.UR1006_ErrorMapperMismatch, check.AttributeLocation, reason);
    }

    /// <summary>Finds the static error mapper; returns null when found, else why not.</summary>
    private static string? FindErrorMapper(IMethodSymbol method, string mapperName)
    {
        string typeName = method.ContainingType.ToDisplayString(OperationSymbols.ShortFormat);
        if (mapperName.Length == 0)
            return "ErrorMapper is empty; pass nameof(YourErrorMapper) or leave it out";

        List<IMethodSymbol> candidates = OperationSymbols.OrdinaryMethods(method.ContainingType, mapperName);
        if (candidates.Count == 0)
            return $"'{typeName}' has no method named '{mapperName}' (the ErrorMapper)";

        bool instanceOnly = false;
        foreach (IMethodSymbol candidate in candidates)
        {
            if (!MatchesErrorMapper(candidate)) continue;
            if (!candidate.IsStatic)
            {
                instanceOnly = true;
                continue;
            }
            return null;
        }

        if (instanceOnly)
            return $"the ErrorMapper '{mapperName}' is an instance method; make it static";
        return $"no '{mapperName}' in '{typeName}' takes (int errno, string operation, int fd, object? buffer) and returns Exception";
    }

    private static bool MatchesErrorMapper(IMethodSymbol candidate)
    {
        if (candidate.IsGenericMethod || candidate.ReturnsByRef || candidate.ReturnsByRefReadonly) return false;
        if (!IsExceptionType(candidate.ReturnType)) return false;
        ImmutableArray<IParameterSymbol> parameters = candidate.Parameters;
        if (parameters.Length != 4) return false;
        if (parameters.Any(static p => p.RefKind is not (RefKind.None or RefKind.In) || p.IsParams)) return false;
        return parameters[0].Type.SpecialType == SpecialType.System_Int32
            && parameters[1].Type.SpecialType == SpecialType.System_String
            && parameters[2].Type.SpecialType == SpecialType.System_Int32
            && parameters[3].Type.SpecialType == SpecialType.System_Object;
    }

    /// <summary>True for <c>System.Exception</c> and the types derived from it.</summary>
    private static bool IsExceptionType(ITypeSymbol type)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (OperationSymbols.IsType(t, "System", "Exception")) return true;
        }
        return false;
    }
}
