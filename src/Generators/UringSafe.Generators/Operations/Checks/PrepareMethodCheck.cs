using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using UringSafe.Generators.Diagnostics;

namespace UringSafe.Generators;

/// <summary>UR1004: the prepare method the attribute names exists and takes <c>(in LentRegion[, int progress],
/// pass-through..., [in OperationContext])</c>, returning <c>Sqe</c>.</summary>
internal static class PrepareMethodCheck
{
    /// <summary>True to stop; says whether the prepare method found is static and takes the operation's context.</summary>
    public static bool Run(OperationCheck check, OperationParameterKind[] kinds, OperationAttributeArguments arguments, out bool isStatic, out bool takesContext)
    {
        var passThrough = new List<ITypeSymbol>();
        for (int i = 0; i < kinds.Length; i++)
        {
            if (kinds[i] == OperationParameterKind.PassThrough) passThrough.Add(check.Method.Parameters[i].Type);
        }
        string? reason = FindPrepare(check.Method, arguments.PrepareName, passThrough, arguments.TransfersAll, out isStatic, out takesContext);
        return reason is not null && check.Fail(OperationDiagnosticDescriptors.UR1004_PrepareMethodMismatch, check.AttributeLocation, reason);
    }

    /// <summary>Finds the prepare method; returns null when found, else why not.</summary>
    private static string? FindPrepare(IMethodSymbol method, string prepareName, List<ITypeSymbol> passThrough, bool takesProgress, out bool isStatic, out bool takesContext)
    {
        isStatic = false;
        takesContext = false;
        string typeName = method.ContainingType.ToDisplayString(OperationSymbols.ShortFormat);
        if (prepareName.Length == 0)
            return "[UringOperation] does not name a prepare method; pass nameof(YourPrepareMethod)";

        List<IMethodSymbol> candidates = OperationSymbols.OrdinaryMethods(method.ContainingType, prepareName);
        if (candidates.Count == 0)
            return $"'{typeName}' has no method named '{prepareName}'";

        bool instanceOnly = false;
        foreach (IMethodSymbol candidate in candidates)
        {
            if (!Matches(candidate, passThrough, takesProgress, out bool context)) continue;
            if (!candidate.IsStatic && method.IsStatic)
            {
                instanceOnly = true;
                continue;
            }
            isStatic = candidate.IsStatic;
            takesContext = context;
            return null;
        }

        if (instanceOnly)
            return $"'{prepareName}' is an instance method but '{method.Name}' is static; make '{prepareName}' static";

        var expected = new StringBuilder(takesProgress ? "in LentRegion, int progress" : "in LentRegion");
        foreach (ITypeSymbol type in passThrough) expected.Append(", ").Append(type.ToDisplayString(OperationSymbols.ShortFormat));
        return $"no '{prepareName}' in '{typeName}' takes ({expected}[, in OperationContext]) and returns Sqe";
    }

    // (in LentRegion[, int progress], pass-through..., [in OperationContext]) -> Sqe; the progress only for TransfersAll.
    private static bool Matches(IMethodSymbol candidate, List<ITypeSymbol> passThrough, bool takesProgress, out bool takesContext)
    {
        takesContext = false;
        if (candidate.IsGenericMethod || candidate.ReturnsByRef || candidate.ReturnsByRefReadonly) return false;
        if (!OperationSymbols.IsType(candidate.ReturnType, OperationKnownNames.AbiNamespace, OperationKnownNames.SqeName)) return false;
        ImmutableArray<IParameterSymbol> parameters = candidate.Parameters;
        int first = takesProgress ? 2 : 1;
        int count = passThrough.Count + first;
        if (parameters.Length != count && parameters.Length != count + 1) return false;
        if (parameters.Any(static p => p.RefKind is not (RefKind.None or RefKind.In) || p.IsParams)) return false;
        if (!OperationSymbols.IsType(parameters[0].Type, OperationKnownNames.BuffersNamespace, OperationKnownNames.LentRegionName)) return false;
        if (takesProgress && parameters[1].Type.SpecialType != SpecialType.System_Int32) return false;
        for (int i = 0; i < passThrough.Count; i++)
        {
            if (!SymbolEqualityComparer.Default.Equals(parameters[i + first].Type, passThrough[i])) return false;
        }
        if (parameters.Length == count + 1)
        {
            if (!OperationSymbols.IsType(parameters[count].Type, OperationKnownNames.AsyncNamespace, OperationKnownNames.OperationContextName)) return false;
            takesContext = true;
        }
        return true;
    }
}
