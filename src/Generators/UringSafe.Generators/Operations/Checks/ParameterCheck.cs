using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using UringSafe.Generators.Diagnostics;

namespace UringSafe.Generators;

/// <summary>The parameters: what each one is (lent, pass-through, token, timeout), UR1001 for one the operation cannot
/// store, and UR1002, exactly one <c>[Lends]</c> parameter.</summary>
internal static class ParameterCheck
{
    /// <summary>True to stop; <paramref name="kinds"/> gets each parameter's kind and <paramref name="lentIndex"/> the
    /// lent one's index (-1 unless there is exactly one).</summary>
    public static bool Run(OperationCheck check, out OperationParameterKind[] kinds, out int lentIndex)
    {
        var rule = OperationDiagnosticDescriptors.UR1001_NotAPartialDefinition;
        ImmutableArray<IParameterSymbol> parameters = check.Method.Parameters;
        kinds = new OperationParameterKind[parameters.Length];
        lentIndex = -1;
        int lentCount = 0, tokenCount = 0;
        for (int i = 0; i < parameters.Length; i++)
        {
            IParameterSymbol parameter = parameters[i];
            Location location = check.ParameterLocation(i);
            if (parameter.GetAttributes().Any(OperationSymbols.IsLendsAttribute))
            {
                kinds[i] = OperationParameterKind.Lent;
                if (lentCount++ == 0) lentIndex = i;
            }
            else if (OperationSymbols.IsType(parameter.Type, "System.Threading", "CancellationToken"))
            {
                kinds[i] = OperationParameterKind.CancellationToken;
                if (++tokenCount == 2 && check.Fail(rule, location, "it has more than one CancellationToken parameter"))
                    return true;
            }
            else if (OperationSymbols.IsType(parameter.Type, "System", "TimeSpan") && parameter.Name == OperationKnownNames.TimeoutParameterName)
            {
                kinds[i] = OperationParameterKind.Timeout;
            }
            else
            {
                kinds[i] = OperationParameterKind.PassThrough;
            }

            if (parameter.RefKind is not (RefKind.None or RefKind.In)
                && check.Fail(rule, location, $"parameter '{parameter.Name}' is passed by reference ({RefKindText(parameter.RefKind)}); the operation stores its arguments until it runs"))
                return true;
            if (parameter.Type.IsRefLikeType
                && check.Fail(rule, location, $"parameter '{parameter.Name}' has the ref struct type '{parameter.Type.ToDisplayString(OperationSymbols.ShortFormat)}', which the operation cannot store"))
                return true;
        }

        check.CancellationToken.ThrowIfCancellationRequested();
        if (lentCount != 1)
        {
            lentIndex = -1;
            if (check.Fail(OperationDiagnosticDescriptors.UR1002_LentParameterCount, check.Identifier, lentCount == 0 ? "no" : lentCount.ToString(CultureInfo.InvariantCulture)))
                return true;
        }
        return false;
    }

    private static string RefKindText(RefKind kind) => kind switch
    {
        RefKind.Ref => "ref",
        RefKind.Out => "out",
        _ => "ref readonly",
    };
}
