using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace UringSafe.Generators;

/// <summary>
/// Turns one <c>[UringOp]</c> struct into a <see cref="UringOpModel"/>. Returns null for anything it
/// cannot generate for; it reports nothing (the companion analyzer explains what is wrong).
/// </summary>
internal static class UringOpParser
{
    public static bool IsCandidate(SyntaxNode node, CancellationToken _) => node is StructDeclarationSyntax;

    public static UringOpModel? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not StructDeclarationSyntax syntax)
            return null;
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            return null;
        if (type.TypeKind != TypeKind.Struct || type.IsReadOnly || type.IsRefLikeType || type.IsRecord
            || type.ContainingType is not null || type.TypeParameters.Length != 0 || type.IsImplicitlyDeclared)
            return null;

        string? accessibility = type.DeclaredAccessibility switch
        {
            Accessibility.Public => "public",
            Accessibility.Internal => "internal",
            _ => null,
        };
        if (accessibility is null) return null;

        // The attribute on this declaration, and only one on the whole type (two partial parts could each carry one).
        if (context.Attributes.Length != 1) return null;
        int uringOpCount = 0;
        bool declaresLayout = false;
        var consts = ImmutableArray.CreateBuilder<ConstModel>();
        foreach (AttributeData typeAttribute in type.GetAttributes())
        {
            if (IsDeclarationAttribute(typeAttribute, KnownNames.UringOpAttributeName))
            {
                uringOpCount++;
            }
            else if (typeAttribute.AttributeClass is { Name: "StructLayoutAttribute" } layout
                     && layout.ContainingNamespace?.ToDisplayString() == "System.Runtime.InteropServices")
            {
                declaresLayout = true;
            }
            else if (IsDeclarationAttribute(typeAttribute, KnownNames.ConstAttributeName))
            {
                ConstModel? constModel = ParseConst(typeAttribute);
                if (constModel is null) return null;
                consts.Add(constModel);
            }
        }
        if (uringOpCount != 1) return null;

        AttributeData attribute = context.Attributes[0];
        ImmutableArray<TypedConstant> args = attribute.ConstructorArguments;
        if (args.Length != 4) return null;
        if (args[0].Kind != TypedConstantKind.Enum || args[0].Type is not INamedTypeSymbol opcodeEnum)
            return null;
        if (!TryToUInt64(args[0].Value, out ulong opcodeRaw) || opcodeRaw > byte.MaxValue) return null;
        byte opcode = (byte)opcodeRaw;
        if (args[1].Value is not string summary || args[2].Value is not string since || args[3].Value is not string manPage)
            return null;

        byte constFlags = 0;
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            if (named.Key != KnownNames.SqeFlagsNamedArgument) continue;
            if (!TryToUInt64(named.Value.Value, out ulong flags) || flags > byte.MaxValue) return null;
            constFlags = (byte)flags;
        }

        foreach (string reserved in KnownNames.ReservedMemberNames)
        {
            if (type.MemberNames.Contains(reserved)) return null;
        }

        cancellationToken.ThrowIfCancellationRequested();

        var fields = ImmutableArray.CreateBuilder<FieldModel>();
        var usedNames = new HashSet<string>();
        foreach (ISymbol member in type.GetMembers())
        {
            if (member is not IFieldSymbol field || field.IsImplicitlyDeclared) continue;
            AttributeData? fieldAttribute = null;
            bool? required = null;
            foreach (AttributeData candidate in field.GetAttributes())
            {
                bool isRequired = IsDeclarationAttribute(candidate, KnownNames.RequiredAttributeName);
                if (!isRequired && !IsDeclarationAttribute(candidate, KnownNames.OptionalAttributeName)) continue;
                if (fieldAttribute is not null) return null; // both [Required] and [Optional]
                fieldAttribute = candidate;
                required = isRequired;
            }
            if (fieldAttribute is null || required is null) continue;

            FieldModel? model = ParseField(field, fieldAttribute, required.Value);
            if (model is null) return null;
            if (!usedNames.Add(model.ParameterName.TrimStart('@')) || !usedNames.Add("M:" + model.MethodName)) return null;
            if (!model.IsRequired && KnownNames.ReservedMemberNames.Contains(model.MethodName)) return null;
            if (!model.IsRequired && model.MethodName == type.Name) return null;
            fields.Add(model);
        }

        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } containing ? containing.ToDisplayString() : "";
        string opcodeMember = FindEnumMemberName(opcodeEnum, opcodeRaw) ?? "";

        return new UringOpModel(
            ns,
            type.Name,
            accessibility,
            opcodeMember,
            opcode,
            KnownNames.KernelOpName(opcode, opcodeMember),
            summary,
            since,
            manPage,
            constFlags,
            fields.ToImmutable().ToEquatableArray(),
            consts.ToImmutable().ToEquatableArray(),
            declaresLayout);
    }

    private static FieldModel? ParseField(IFieldSymbol field, AttributeData attribute, bool required)
    {
        if (field.IsStatic || field.IsConst || field.IsVolatile || field.RefKind != RefKind.None) return null;
        if (field.IsReadOnly && !required) return null;

        ImmutableArray<TypedConstant> args = attribute.ConstructorArguments;
        if (args.Length != 2 || args[1].Value is not string doc) return null;
        string? slot = ParseSlot(args[0]);
        if (slot is null) return null;

        ValueConversion conversion;
        string integerType;
        ITypeSymbol fieldType = field.Type;
        if (fieldType is INamedTypeSymbol { Name: KnownNames.FileRefName, TypeKind: TypeKind.Struct } fileRef
            && fileRef.ContainingNamespace?.ToDisplayString() == KnownNames.FileRefNamespace)
        {
            if (slot != "Fd") return null;
            conversion = ValueConversion.FileRef;
            integerType = "";
        }
        else if (fieldType is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
        {
            string? keyword = IntegerKeyword(underlying.SpecialType);
            if (keyword is null) return null;
            conversion = ValueConversion.Enum;
            integerType = keyword;
        }
        else
        {
            string? keyword = IntegerKeyword(fieldType.SpecialType);
            if (keyword is null) return null;
            conversion = ValueConversion.Integer;
            integerType = keyword;
        }

        string bareName = field.Name.TrimStart('_');
        if (bareName.Length == 0) return null;
        string parameterName = char.ToLowerInvariant(bareName[0]) + bareName.Substring(1);
        if (SyntaxFacts.GetKeywordKind(parameterName) != SyntaxKind.None)
        {
            parameterName = "@" + parameterName;
        }
        string methodName = char.ToUpperInvariant(bareName[0]) + bareName.Substring(1);

        return new FieldModel(
            field.Name,
            parameterName,
            methodName,
            fieldType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            required,
            slot,
            doc,
            conversion,
            integerType);
    }

    private static ConstModel? ParseConst(AttributeData attribute)
    {
        ImmutableArray<TypedConstant> args = attribute.ConstructorArguments;
        if (args.Length != 2) return null;
        string? slot = ParseSlot(args[0]);
        if (slot is null || !TryToUInt64(args[1].Value, out ulong value)) return null;
        return new ConstModel(slot, value);
    }

    private static string? ParseSlot(TypedConstant slotArgument)
    {
        if (slotArgument.Kind != TypedConstantKind.Enum || slotArgument.Type is not INamedTypeSymbol slotEnum) return null;
        if (!TryToUInt64(slotArgument.Value, out ulong raw)) return null;
        string? name = FindEnumMemberName(slotEnum, raw);
        return name is not null && KnownNames.SlotTypes.ContainsKey(name) ? name : null;
    }

    private static bool IsDeclarationAttribute(AttributeData attribute, string name)
        => attribute.AttributeClass is { } cls
           && cls.Name == name
           && cls.ContainingType is null
           && cls.ContainingNamespace?.ToDisplayString() == KnownNames.DeclarationsNamespace;

    private static string? FindEnumMemberName(INamedTypeSymbol enumType, ulong value)
    {
        foreach (ISymbol member in enumType.GetMembers())
        {
            if (member is IFieldSymbol { HasConstantValue: true } field
                && TryToUInt64(field.ConstantValue, out ulong fieldValue)
                && fieldValue == value)
            {
                return field.Name;
            }
        }
        return null;
    }

    private static string? IntegerKeyword(SpecialType specialType) => specialType switch
    {
        SpecialType.System_Byte => "byte",
        SpecialType.System_SByte => "sbyte",
        SpecialType.System_Int16 => "short",
        SpecialType.System_UInt16 => "ushort",
        SpecialType.System_Int32 => "int",
        SpecialType.System_UInt32 => "uint",
        SpecialType.System_Int64 => "long",
        SpecialType.System_UInt64 => "ulong",
        SpecialType.System_IntPtr => "nint",
        SpecialType.System_UIntPtr => "nuint",
        _ => null,
    };

    /// <summary>Reinterprets any boxed integer (as attribute arguments arrive) as its 64-bit two's-complement bits.</summary>
    private static bool TryToUInt64(object? value, out ulong result)
    {
        switch (value)
        {
            case byte v: result = v; return true;
            case sbyte v: result = unchecked((ulong)v); return true;
            case short v: result = unchecked((ulong)v); return true;
            case ushort v: result = v; return true;
            case int v: result = unchecked((ulong)v); return true;
            case uint v: result = v; return true;
            case long v: result = unchecked((ulong)v); return true;
            case ulong v: result = v; return true;
            default: result = 0; return false;
        }
    }
}
