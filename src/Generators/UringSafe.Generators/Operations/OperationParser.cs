using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace UringSafe.Generators;

/// <summary>
/// Turns one <c>[UringOperation]</c> method into an <see cref="OperationModel"/>. The generator gets null for anything it
/// cannot implement and reports nothing; the companion analyzer runs the same checks (one per rule, in Checks/) and
/// reports the problems (UR1001-UR1004, UR1006, UR1007).
/// </summary>
internal static class OperationParser
{
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
        var check = new OperationCheck(method, syntax, attribute, problems, cancellationToken);
        var arguments = OperationAttributeArguments.Read(attribute);
        bool prepareIsStatic = false, prepareTakesContext = false;
        if (DeclarationCheck.Run(check, out List<ContainingTypeModel> containing)
            || ParameterCheck.Run(check, out OperationParameterKind[] kinds, out int lentIndex)
            || BufferTypeCheck.Run(check, lentIndex, out ITypeSymbol? lentType, out ITypeSymbol? resultType)
            || TransfersAllCheck.Run(check, arguments)
            || (lentIndex >= 0 && PrepareMethodCheck.Run(check, kinds, arguments, out prepareIsStatic, out prepareTakesContext))
            || ErrorMapperCheck.Run(check, arguments)
            || check.Failed || resultType is null || lentType is null)
            return null;

        cancellationToken.ThrowIfCancellationRequested();
        return Model(method, syntax, arguments, containing, kinds, lentType, resultType, prepareIsStatic, prepareTakesContext);
    }

    private static OperationModel Model(
        IMethodSymbol method,
        MethodDeclarationSyntax syntax,
        OperationAttributeArguments arguments,
        List<ContainingTypeModel> containing,
        OperationParameterKind[] kinds,
        ITypeSymbol lentType,
        ITypeSymbol resultType,
        bool prepareIsStatic,
        bool prepareTakesContext)
    {
        ImmutableArray<IParameterSymbol> parameters = method.Parameters;
        SeparatedSyntaxList<ParameterSyntax> parameterSyntax = syntax.ParameterList.Parameters;
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
                parameter.Type.ToDisplayString(OperationSymbols.TypeFormat),
                parameter.Type.ToDisplayString(OperationSymbols.TypeFormat),
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
            method.ReturnType.ToDisplayString(OperationSymbols.TypeFormat),
            resultType.ToDisplayString(OperationSymbols.TypeFormat),
            "__" + method.Name + "_" + indexText + "_Operation",
            hint.ToString(),
            parameterModels.ToImmutable().ToEquatableArray(),
            arguments.PrepareName,
            prepareIsStatic,
            prepareTakesContext,
            arguments.FillsBuffer,
            arguments.TransfersAll,
            OperationSymbols.IsReceivedBuffer(lentType) ? OperationKnownNames.ReceivedBufferLendingType : OperationKnownNames.LendingType,
            arguments.ErrorMapper is null ? "" : Identifier(arguments.ErrorMapper),
            !prepareIsStatic && OperationSymbols.HoldsSharedFd(method.ContainingType));
    }

    private static string Identifier(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
