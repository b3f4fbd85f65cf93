using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using UringSafe.Generators.Diagnostics;

namespace UringSafe.Generators;

/// <summary>Why a <c>[UringOperation]</c> method cannot be generated: what <see cref="UringOperationAnalyzer"/> reports.</summary>
internal sealed class OperationProblem
{
    public OperationProblem(DiagnosticDescriptor descriptor, Location? location, params string[] arguments)
    {
        Descriptor = descriptor;
        Location = location;
        Arguments = arguments;
    }

    public DiagnosticDescriptor Descriptor { get; }
    public Location? Location { get; }
    public string[] Arguments { get; }
}

/// <summary>
/// Turns one <c>[UringOperation]</c> method into an <see cref="OperationModel"/>. The generator gets null for anything it
/// cannot implement and reports nothing; the companion analyzer runs the same checks and reports the problems (UR1001–UR1004, UR1006, UR1007).
/// </summary>
internal static class OperationParser
{
    private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static readonly SymbolDisplayFormat s_shortFormat = SymbolDisplayFormat.MinimallyQualifiedFormat;

    public static bool IsCandidate(SyntaxNode node, CancellationToken _) => node is MethodDeclarationSyntax;

    public static OperationModel? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
            return null;
        if (context.Attributes.Length != 1) return null;
        // Implemented by hand: nothing to generate (a second implementation would not compile).
        if (method.PartialImplementationPart is not null) return null;
        return Analyze(method, syntax, context.Attributes[0], problems: null, cancellationToken);
    }

    /// <summary>
    /// Checks the method; returns its model when it can be generated. Each reason it cannot is added to
    /// <paramref name="problems"/> when given (the analyzer); without a list it stops at the first (the generator).
    /// </summary>
    public static OperationModel? Analyze(
        IMethodSymbol method,
        MethodDeclarationSyntax syntax,
        AttributeData attribute,
        List<OperationProblem>? problems,
        CancellationToken cancellationToken)
    {
        bool failed = false;
        string display = method.ContainingType.Name + "." + method.Name;
        Location identifier = syntax.Identifier.GetLocation();

        bool Fail(DiagnosticDescriptor descriptor, Location? location, params string[] args)
        {
            failed = true;
            problems?.Add(new OperationProblem(descriptor, location, args));
            return problems is null; // true: stop now
        }

        // ---- UR1001: a partial definition the generator can implement ----
        var d1 = OperationDiagnosticDescriptors.UR1001_NotAPartialDefinition;
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            if (Fail(d1, identifier, display, "it is not partial; declare it 'partial' without a body")) return null;
        }
        else if (syntax.Body is not null || syntax.ExpressionBody is not null)
        {
            if (Fail(d1, identifier, display, "it has a body; declare it without one and let the generator implement it")) return null;
        }
        if (method.IsGenericMethod
            && Fail(d1, identifier, display, "it is generic"))
            return null;
        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            if (Fail(d1, identifier, display, "it returns by reference")) return null;
        }

        var containing = new List<ContainingTypeModel>();
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            string? reason = ContainingTypeProblem(type, cancellationToken);
            if (reason is not null)
            {
                if (Fail(d1, identifier, display, reason)) return null;
                continue;
            }
            containing.Insert(0, new ContainingTypeModel(TypeKeyword(type), type.Name));
        }

        // ---- classify the parameters ----
        int lentIndex = -1, lentCount = 0, tokenCount = 0;
        ImmutableArray<IParameterSymbol> parameters = method.Parameters;
        SeparatedSyntaxList<ParameterSyntax> parameterSyntax = syntax.ParameterList.Parameters;
        var kinds = new OperationParameterKind[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            IParameterSymbol parameter = parameters[i];
            Location location = i < parameterSyntax.Count ? parameterSyntax[i].GetLocation() : identifier;
            if (parameter.GetAttributes().Any(IsLendsAttribute))
            {
                kinds[i] = OperationParameterKind.Lent;
                lentCount++;
                if (lentIndex < 0) lentIndex = i;
            }
            else if (IsType(parameter.Type, "System.Threading", "CancellationToken"))
            {
                kinds[i] = OperationParameterKind.CancellationToken;
                if (++tokenCount == 2
                    && Fail(d1, location, display, "it has more than one CancellationToken parameter"))
                    return null;
            }
            else if (IsType(parameter.Type, "System", "TimeSpan") && parameter.Name == OperationKnownNames.TimeoutParameterName)
            {
                kinds[i] = OperationParameterKind.Timeout;
            }
            else
            {
                kinds[i] = OperationParameterKind.PassThrough;
            }

            if (parameter.RefKind is not (RefKind.None or RefKind.In)
                && Fail(d1, location, display, $"parameter '{parameter.Name}' is passed by reference ({RefKindText(parameter.RefKind)}); the operation stores its arguments until it runs"))
                return null;
            if (parameter.Type.IsRefLikeType
                && Fail(d1, location, display, $"parameter '{parameter.Name}' has the ref struct type '{parameter.Type.ToDisplayString(s_shortFormat)}', which the operation cannot store"))
                return null;
        }

        cancellationToken.ThrowIfCancellationRequested();

        // ---- UR1002: exactly one [Lends] parameter ----
        if (lentCount != 1
            && Fail(OperationDiagnosticDescriptors.UR1002_LentParameterCount, identifier, display, lentCount == 0 ? "no" : lentCount.ToString(CultureInfo.InvariantCulture)))
            return null;

        // ---- UR1003: a supported buffer type, and ValueTask<IoResult<TBuffer>> of it ----
        var d3 = OperationDiagnosticDescriptors.UR1003_UnsupportedBufferOrReturnType;
        ITypeSymbol? lentType = lentCount == 1 ? parameters[lentIndex].Type : null;
        if (lentType is not null)
        {
            Location location = lentIndex < parameterSyntax.Count ? parameterSyntax[lentIndex].GetLocation() : identifier;
            if (!IsSupportedBuffer(lentType))
            {
                if (Fail(d3, location, display, $"the lent parameter's type '{lentType.ToDisplayString(s_shortFormat)}' is not supported; use IoBuffer, byte[], Memory<byte>, ReadOnlyMemory<byte> or ReceivedBuffer"))
                    return null;
                lentType = null;
            }
            else if (lentType.NullableAnnotation == NullableAnnotation.Annotated)
            {
                if (Fail(d3, location, display, $"the lent parameter's type '{lentType.ToDisplayString(s_shortFormat)}' is nullable; a lent buffer cannot be null"))
                    return null;
            }
        }

        ITypeSymbol? resultType = IoResultOf(method.ReturnType, out ITypeSymbol? returnedBuffer);
        if (resultType is null || returnedBuffer is null)
        {
            if (Fail(d3, syntax.ReturnType.GetLocation(), display, $"it returns '{method.ReturnType.ToDisplayString(s_shortFormat)}'; it must return ValueTask<IoResult<TBuffer>> where TBuffer is the lent parameter's type"))
                return null;
        }
        else if (lentType is not null && !SymbolEqualityComparer.Default.Equals(returnedBuffer, lentType))
        {
            if (Fail(d3, syntax.ReturnType.GetLocation(), display, $"it returns '{method.ReturnType.ToDisplayString(s_shortFormat)}' but lends '{lentType.ToDisplayString(s_shortFormat)}'; return ValueTask<IoResult<{lentType.ToDisplayString(s_shortFormat)}>>"))
                return null;
        }

        bool fillsBuffer = false, transfersAll = false;
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            if (named.Key == OperationKnownNames.FillsBufferNamedArgument && named.Value.Value is bool fills) fillsBuffer = fills;
            if (named.Key == OperationKnownNames.TransfersAllNamedArgument && named.Value.Value is bool all) transfersAll = all;
        }

        // ---- UR1007: a transfer of all the bytes does not fill ----
        if (fillsBuffer && transfersAll)
        {
            Location location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? identifier;
            if (Fail(OperationDiagnosticDescriptors.UR1007_TransfersAllFillsBuffer, location, display)) return null;
        }

        // ---- UR1004: the prepare method ----
        string prepareName = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string name ? name : "";
        bool prepareIsStatic = false, prepareTakesContext = false;
        if (lentCount == 1)
        {
            var expected = new List<ITypeSymbol>();
            for (int i = 0; i < parameters.Length; i++)
            {
                if (kinds[i] == OperationParameterKind.PassThrough) expected.Add(parameters[i].Type);
            }
            Location location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? identifier;
            string? reason = FindPrepare(method, prepareName, expected, transfersAll, out prepareIsStatic, out prepareTakesContext);
            if (reason is not null && Fail(OperationDiagnosticDescriptors.UR1004_PrepareMethodMismatch, location, display, reason))
                return null;
        }

        // ---- UR1006: the error mapper, when one is named ----
        string? errorMapper = null;
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            if (named.Key == OperationKnownNames.ErrorMapperNamedArgument && !named.Value.IsNull && named.Value.Value is string mapper)
                errorMapper = mapper;
        }
        if (errorMapper is not null)
        {
            Location location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? identifier;
            string? reason = FindErrorMapper(method, errorMapper);
            if (reason is not null && Fail(OperationDiagnosticDescriptors.UR1006_ErrorMapperMismatch, location, display, reason))
                return null;
        }

        if (failed || resultType is null || lentType is null) return null;

        cancellationToken.ThrowIfCancellationRequested();

        // ---- the model ----
        int index = 0;
        ImmutableArray<ISymbol> overloads = method.ContainingType.GetMembers(method.Name);
        for (int i = 0; i < overloads.Length; i++)
        {
            if (SymbolEqualityComparer.Default.Equals(overloads[i], method)) { index = i; break; }
        }

        var parameterModels = ImmutableArray.CreateBuilder<OperationParameterModel>(parameters.Length);
        for (int i = 0; i < parameters.Length; i++)
        {
            IParameterSymbol parameter = parameters[i];
            string modifiers = "";
            if (i < parameterSyntax.Count)
            {
                foreach (SyntaxToken modifier in parameterSyntax[i].Modifiers) modifiers += modifier.Text + " ";
            }
            string fieldName = "";
            if (kinds[i] is OperationParameterKind.Lent or OperationParameterKind.PassThrough)
            {
                fieldName = "_" + parameter.Name;
                if (fieldName is OperationKnownNames.OwnerField or OperationKnownNames.LeaseField)
                    fieldName = "__arg" + i.ToString(CultureInfo.InvariantCulture);
            }
            parameterModels.Add(new OperationParameterModel(
                Identifier(parameter.Name),
                modifiers,
                parameter.Type.ToDisplayString(s_typeFormat),
                parameter.Type.ToDisplayString(s_typeFormat),
                fieldName,
                kinds[i]));
        }

        var methodModifiers = new StringBuilder();
        foreach (SyntaxToken modifier in syntax.Modifiers)
        {
            if (modifier.IsKind(SyntaxKind.PartialKeyword)) continue;
            methodModifiers.Append(modifier.Text).Append(' ');
        }

        string ns = method.ContainingType.ContainingNamespace is { IsGlobalNamespace: false } containingNamespace
            ? containingNamespace.ToDisplayString()
            : "";
        string indexText = index.ToString(CultureInfo.InvariantCulture);
        var hint = new StringBuilder();
        if (ns.Length != 0) hint.Append(ns).Append('.');
        foreach (ContainingTypeModel type in containing) hint.Append(type.Name).Append('.');
        hint.Append(method.Name).Append('_').Append(indexText).Append(".g.cs");

        return new OperationModel(
            ns,
            containing.ToEquatableArray(),
            method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            method.Name,
            methodModifiers.ToString().TrimEnd(),
            method.ReturnType.ToDisplayString(s_typeFormat),
            resultType.ToDisplayString(s_typeFormat),
            "__" + method.Name + "_" + indexText + "_Operation",
            hint.ToString(),
            parameterModels.ToImmutable().ToEquatableArray(),
            prepareName,
            prepareIsStatic,
            prepareTakesContext,
            fillsBuffer,
            transfersAll,
            IsReceivedBuffer(lentType) ? OperationKnownNames.ReceivedBufferLendingType : OperationKnownNames.LendingType,
            errorMapper is null ? "" : Identifier(errorMapper),
            !prepareIsStatic && HoldsSharedFd(method.ContainingType));
    }

    /// <summary>True when <paramref name="type"/> implements <c>UringSafe.Async.ISharedFdOwner</c>.</summary>
    private static bool HoldsSharedFd(INamedTypeSymbol type)
    {
        foreach (INamedTypeSymbol i in type.AllInterfaces)
        {
            if (i.Name == OperationKnownNames.SharedFdOwnerName && i.ContainingNamespace.ToDisplayString() == OperationKnownNames.SharedFdOwnerNamespace)
                return true;
        }
        return false;
    }

    /// <summary>True for the method's own <c>[Lends]</c>, matched by name like the ownership analyzers do.</summary>
    internal static bool IsLendsAttribute(AttributeData attribute)
        => attribute.AttributeClass is { } cls
           && cls.Name == OperationKnownNames.LendsAttributeName
           && cls.ContainingType is null
           && cls.ContainingNamespace?.ToDisplayString() == OperationKnownNames.LendsAttributeNamespace;

    internal static bool IsType(ITypeSymbol? type, string ns, string name)
        => type is INamedTypeSymbol { Arity: 0, ContainingType: null } named
           && named.Name == name
           && named.ContainingNamespace?.ToDisplayString() == ns;

    private static bool IsByteGeneric(ITypeSymbol type, string name)
        => type is INamedTypeSymbol { Arity: 1, ContainingType: null } named
           && named.Name == name
           && named.ContainingNamespace?.ToDisplayString() == "System"
           && named.TypeArguments[0].SpecialType == SpecialType.System_Byte;

    private static bool IsReceivedBuffer(ITypeSymbol type)
        => IsType(type, OperationKnownNames.NetNamespace, OperationKnownNames.ReceivedBufferName);

    private static bool IsSupportedBuffer(ITypeSymbol type)
        => IsType(type, OperationKnownNames.BuffersNamespace, OperationKnownNames.IoBufferName)
           || IsReceivedBuffer(type)
           || type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte }
           || IsByteGeneric(type, "Memory")
           || IsByteGeneric(type, "ReadOnlyMemory");

    /// <summary>For <c>ValueTask&lt;IoResult&lt;T&gt;&gt;</c> returns the <c>IoResult&lt;T&gt;</c> and T; otherwise null.</summary>
    private static ITypeSymbol? IoResultOf(ITypeSymbol returnType, out ITypeSymbol? buffer)
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

    private static string? ContainingTypeProblem(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        string name = type.ToDisplayString(s_shortFormat);
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

    /// <summary>Finds the prepare method; returns null when found, else why not.</summary>
    private static string? FindPrepare(IMethodSymbol method, string prepareName, List<ITypeSymbol> passThrough, bool takesProgress, out bool isStatic, out bool takesContext)
    {
        isStatic = false;
        takesContext = false;
        string typeName = method.ContainingType.ToDisplayString(s_shortFormat);
        if (prepareName.Length == 0)
            return "[UringOperation] does not name a prepare method; pass nameof(YourPrepareMethod)";

        var candidates = method.ContainingType.GetMembers(prepareName).OfType<IMethodSymbol>()
            .Where(static m => m.MethodKind == MethodKind.Ordinary)
            .ToList();
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
        foreach (ITypeSymbol type in passThrough) expected.Append(", ").Append(type.ToDisplayString(s_shortFormat));
        return $"no '{prepareName}' in '{typeName}' takes ({expected}[, in OperationContext]) and returns Sqe";
    }

    /// <summary>Finds the static error mapper <c>Exception M(int, string, int, object?)</c>; returns null when found, else why not.</summary>
    private static string? FindErrorMapper(IMethodSymbol method, string mapperName)
    {
        string typeName = method.ContainingType.ToDisplayString(s_shortFormat);
        if (mapperName.Length == 0)
            return "ErrorMapper is empty; pass nameof(YourErrorMapper) or leave it out";

        var candidates = method.ContainingType.GetMembers(mapperName).OfType<IMethodSymbol>()
            .Where(static m => m.MethodKind == MethodKind.Ordinary)
            .ToList();
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
            if (IsType(t, "System", "Exception")) return true;
        }
        return false;
    }

    // (in LentRegion[, int progress], pass-through..., [in OperationContext]) -> Sqe; the progress only for TransfersAll.
    private static bool Matches(IMethodSymbol candidate, List<ITypeSymbol> passThrough, bool takesProgress, out bool takesContext)
    {
        takesContext = false;
        if (candidate.IsGenericMethod || candidate.ReturnsByRef || candidate.ReturnsByRefReadonly) return false;
        if (!IsType(candidate.ReturnType, OperationKnownNames.AbiNamespace, OperationKnownNames.SqeName)) return false;
        ImmutableArray<IParameterSymbol> parameters = candidate.Parameters;
        int first = takesProgress ? 2 : 1;
        int count = passThrough.Count + first;
        if (parameters.Length != count && parameters.Length != count + 1) return false;
        if (parameters.Any(static p => p.RefKind is not (RefKind.None or RefKind.In) || p.IsParams)) return false;
        if (!IsType(parameters[0].Type, OperationKnownNames.BuffersNamespace, OperationKnownNames.LentRegionName)) return false;
        if (takesProgress && parameters[1].Type.SpecialType != SpecialType.System_Int32) return false;
        for (int i = 0; i < passThrough.Count; i++)
        {
            if (!SymbolEqualityComparer.Default.Equals(parameters[i + first].Type, passThrough[i])) return false;
        }
        if (parameters.Length == count + 1)
        {
            if (!IsType(parameters[count].Type, OperationKnownNames.AsyncNamespace, OperationKnownNames.OperationContextName)) return false;
            takesContext = true;
        }
        return true;
    }

    private static string RefKindText(RefKind kind) => kind switch
    {
        RefKind.Ref => "ref",
        RefKind.Out => "out",
        _ => "ref readonly",
    };

    private static string Identifier(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
