using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using UringSafe.Generators.Diagnostics;

namespace UringSafe.Generators;

/// <summary>UR1001, the declaration: a non-generic partial definition without a body, in partial classes or structs that
/// the generated operation can be nested in.</summary>
internal static class DeclarationCheck
{
    /// <summary>True to stop; <paramref name="containing"/> gets the types the implementation is nested in, outermost first.</summary>
    public static bool Run(OperationCheck check, out List<ContainingTypeModel> containing)
    {
        containing = [];
        var rule = OperationDiagnosticDescriptors.UR1001_NotAPartialDefinition;
        MethodDeclarationSyntax syntax = check.Syntax;
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            if (check.Fail(rule, check.Identifier, "it is not partial; declare it 'partial' without a body")) return true;
        }
        else if (syntax.Body is not null || syntax.ExpressionBody is not null)
        {
            if (check.Fail(rule, check.Identifier, "it has a body; declare it without one and let the generator implement it")) return true;
        }
        if (check.Method.IsGenericMethod && check.Fail(rule, check.Identifier, "it is generic"))
            return true;
        if ((check.Method.ReturnsByRef || check.Method.ReturnsByRefReadonly) && check.Fail(rule, check.Identifier, "it returns by reference"))
            return true;

        for (INamedTypeSymbol? type = check.Method.ContainingType; type is not null; type = type.ContainingType)
        {
            string? reason = ContainingTypeProblem(type, check.CancellationToken);
            if (reason is not null)
            {
                if (check.Fail(rule, check.Identifier, reason)) return true;
                continue;
            }
            containing.Insert(0, new ContainingTypeModel(TypeKeyword(type), type.Name));
        }
        return false;
    }

    private static string? ContainingTypeProblem(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        string name = type.ToDisplayString(OperationSymbols.ShortFormat);
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
            return $"its containing type '{name}' is not a class or struct";
        if (type.TypeParameters.Length != 0)
            return $"its containing type '{name}' is generic";
        if (type.IsRefLikeType)
            return $"its containing type '{name}' is a ref struct, which an operation cannot store";
        if (type.IsFileLocal)
            return $"its containing type '{name}' is file-local";
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration
                || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                return $"its containing type '{name}' is not partial";
        }
        return null;
    }

    private static string TypeKeyword(INamedTypeSymbol type)
    {
        if (type.IsRecord)
            return type.TypeKind == TypeKind.Struct
                ? (type.IsReadOnly ? "readonly partial record struct" : "partial record struct")
                : "partial record";
        if (type.TypeKind == TypeKind.Struct)
            return type.IsReadOnly ? "readonly partial struct" : "partial struct";
        return type.IsStatic ? "static partial class" : "partial class";
    }
}
