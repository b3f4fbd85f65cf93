using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace UringSafe.Generators.Diagnostics;

/// <summary>
/// Explains why <see cref="UringOperationGenerator"/> skipped a <c>[UringOperation]</c> method (UR1001–UR1004, UR1006 and UR1007, errors),
/// and warns when an operation cannot be cancelled (UR1005). It runs the generator's own checks, so the two agree.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UringOperationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        OperationDiagnosticDescriptors.UR1001_NotAPartialDefinition,
        OperationDiagnosticDescriptors.UR1002_LentParameterCount,
        OperationDiagnosticDescriptors.UR1003_UnsupportedBufferOrReturnType,
        OperationDiagnosticDescriptors.UR1004_PrepareMethodMismatch,
        OperationDiagnosticDescriptors.UR1005_NoCancellationToken,
        OperationDiagnosticDescriptors.UR1006_ErrorMapperMismatch,
        OperationDiagnosticDescriptors.UR1007_TransfersAllFillsBuffer);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            INamedTypeSymbol? attributeType = start.Compilation.GetTypeByMetadataName(OperationKnownNames.UringOperationAttributeMetadataName);
            if (attributeType is null) return;
            start.RegisterSymbolAction(symbol => AnalyzeMethod(symbol, attributeType), SymbolKind.Method);
        });
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, INamedTypeSymbol attributeType)
    {
        if (context.Symbol is not IMethodSymbol method || method.PartialDefinitionPart is not null)
            return; // the implementing part of a partial method: its definition is analyzed instead

        AttributeData? attribute = null;
        foreach (AttributeData candidate in method.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(candidate.AttributeClass, attributeType))
            {
                attribute = candidate;
                break;
            }
        }
        if (attribute is null) return;

        MethodDeclarationSyntax? syntax = null;
        foreach (SyntaxReference reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(context.CancellationToken) is MethodDeclarationSyntax declaration)
            {
                syntax = declaration;
                break;
            }
        }
        if (syntax is null) return;

        var problems = new List<OperationProblem>();
        OperationParser.Analyze(method, syntax, attribute, problems, context.CancellationToken);
        foreach (OperationProblem problem in problems)
        {
            context.ReportDiagnostic(Diagnostic.Create(problem.Descriptor, problem.Location, problem.Arguments));
        }

        if (problems.Count != 0) return;
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (OperationSymbols.IsType(parameter.Type, "System.Threading", "CancellationToken")) return;
        }
        context.ReportDiagnostic(Diagnostic.Create(
            OperationDiagnosticDescriptors.UR1005_NoCancellationToken,
            syntax.Identifier.GetLocation(),
            method.ContainingType.Name + "." + method.Name));
    }
}
