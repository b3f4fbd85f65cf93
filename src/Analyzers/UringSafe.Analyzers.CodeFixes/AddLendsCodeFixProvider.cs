using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace UringSafe.Analyzers.CodeFixes;

/// <summary>UR0007: declares the lent parameter <c>[Lends]</c> (or the parameter of the interface or base method it must agree with).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddLendsCodeFixProvider)), Shared]
public sealed class AddLendsCodeFixProvider : CodeFixProvider
{
    private const string Title = "Declare the parameter [Lends]";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIds.ParameterLentNotDeclared);

    public override FixAllProvider GetFixAllProvider() => s_fixAll;

    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var solution = context.Document.Project.Solution;
        foreach (var diagnostic in context.Diagnostics)
        {
            context.RegisterCodeFix(
                CodeAction.Create(
                    Title,
                    cancellationToken => AddLendsAsync(solution, new[] { Target(diagnostic) }, cancellationToken),
                    equivalenceKey: nameof(AddLendsCodeFixProvider)),
                diagnostic);
        }

        return Task.CompletedTask;
    }

    /// <summary>The parameter to declare [Lends]: the reported one, or the declaration it must agree with.</summary>
    private static Location Target(Diagnostic diagnostic) =>
        diagnostic.Properties.ContainsKey(DiagnosticDescriptors.AddLendsToBaseProperty) && diagnostic.AdditionalLocations.Count > 0
            ? diagnostic.AdditionalLocations[0]
            : diagnostic.Location;

    /// <summary>Declares every parameter at <paramref name="targets"/> [Lends], all at once per document.</summary>
    private static async Task<Solution> AddLendsAsync(Solution solution, IEnumerable<Location> targets, CancellationToken cancellationToken)
    {
        foreach (var group in targets.Where(location => location.SourceTree != null).GroupBy(location => location.SourceTree!.FilePath))
        {
            var document = FixAllDiagnostics.FindDocument(solution, group.First().SourceTree!);
            var root = document == null ? null : await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var model = document == null ? null : await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (document == null || root == null || model == null)
            {
                continue;
            }

            var parameters = group
                .Select(location => root.FindToken(location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<ParameterSyntax>().FirstOrDefault())
                .OfType<ParameterSyntax>()
                .Where(parameter => !(model.GetDeclaredSymbol(parameter, cancellationToken) is { } symbol && LendingModel.HasLendsAttribute(symbol)))
                .Distinct()
                .ToList();
            if (parameters.Count == 0)
            {
                continue;
            }

            var newRoot = root.ReplaceNodes(parameters, (original, _) => WithLends(model, original));
            solution = solution.WithDocumentSyntaxRoot(document.Id, newRoot);
        }

        return solution;
    }

    private static ParameterSyntax WithLends(SemanticModel model, ParameterSyntax parameter)
    {
        // [Lends] where the attribute is in scope (a using UringSafe; or code inside UringSafe), else [UringSafe.Lends].
        var inScope = model.LookupNamespacesAndTypes(parameter.SpanStart, name: LendingModel.LendsAttributeName)
            .OfType<INamedTypeSymbol>()
            .Any(LendingModel.IsLendsAttribute);
        var name = inScope ? "Lends" : LendingModel.LendsNamespace + ".Lends";
        var text = "[" + name + "] " + parameter.WithoutTrivia().ToFullString();
        return SyntaxFactory.ParseParameterList("(" + text + ")").Parameters[0]
            .WithLeadingTrivia(parameter.GetLeadingTrivia())
            .WithTrailingTrivia(parameter.GetTrailingTrivia());
    }

    /// <summary>Fix All: every target of the scope's UR0007 diagnostics in one solution change, across documents.</summary>
    private static readonly SolutionFixAll s_fixAll = new SolutionFixAll(
        Title, nameof(AddLendsCodeFixProvider), (solution, diagnostics, cancellationToken) => AddLendsAsync(solution, diagnostics.Select(Target), cancellationToken));
}
