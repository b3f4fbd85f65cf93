using Microsoft.CodeAnalysis;
using UringSafe.Generators.Diagnostics;

namespace UringSafe.Generators;

/// <summary>UR1003: the lent parameter is a supported, non-nullable buffer type, and the method returns
/// <c>ValueTask&lt;IoResult&lt;TBuffer&gt;&gt;</c> of that type.</summary>
internal static class BufferTypeCheck
{
    /// <summary>True to stop; <paramref name="lentType"/> and <paramref name="resultType"/> (the <c>IoResult&lt;T&gt;</c>)
    /// are null where they are unusable.</summary>
    public static bool Run(OperationCheck check, int lentIndex, out ITypeSymbol? lentType, out ITypeSymbol? resultType)
    {
        var rule = OperationDiagnosticDescriptors.UR1003_UnsupportedBufferOrReturnType;
        lentType = lentIndex >= 0 ? check.Method.Parameters[lentIndex].Type : null;
        if (lentType is not null)
        {
            Location location = check.ParameterLocation(lentIndex);
            string name = lentType.ToDisplayString(OperationSymbols.ShortFormat);
            if (!OperationSymbols.IsSupportedBuffer(lentType))
            {
                if (check.Fail(rule, location, $"the lent parameter's type '{name}' is not supported; use IoBuffer, byte[], Memory<byte>, ReadOnlyMemory<byte> or ReceivedBuffer"))
                {
                    resultType = null;
                    return true;
                }
                lentType = null;
            }
            else if (lentType.NullableAnnotation == NullableAnnotation.Annotated
                     && check.Fail(rule, location, $"the lent parameter's type '{name}' is nullable; a lent buffer cannot be null"))
            {
                resultType = null;
                return true;
            }
        }

        ITypeSymbol returnType = check.Method.ReturnType;
        Location returnLocation = check.Syntax.ReturnType.GetLocation();
        resultType = OperationSymbols.IoResultOf(returnType, out ITypeSymbol? returnedBuffer);
        if (resultType is null || returnedBuffer is null)
            return check.Fail(rule, returnLocation, $"it returns '{returnType.ToDisplayString(OperationSymbols.ShortFormat)}'; it must return ValueTask<IoResult<TBuffer>> where TBuffer is the lent parameter's type");
        if (lentType is not null && !SymbolEqualityComparer.Default.Equals(returnedBuffer, lentType))
        {
            string lent = lentType.ToDisplayString(OperationSymbols.ShortFormat);
            return check.Fail(rule, returnLocation, $"it returns '{returnType.ToDisplayString(OperationSymbols.ShortFormat)}' but lends '{lent}'; return ValueTask<IoResult<{lent}>>");
        }
        return false;
    }
}
