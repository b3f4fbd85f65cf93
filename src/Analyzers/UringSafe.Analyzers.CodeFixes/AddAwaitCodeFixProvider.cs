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
using Microsoft.CodeAnalysis.Formatting;

namespace UringSafe.Analyzers.CodeFixes;

/// <summary>UR0003: awaits the dropped lending call when the enclosing function is async, and takes the buffer back.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddAwaitCodeFixProvider)), Shared]
public sealed class AddAwaitCodeFixProvider : CodeFixProvider
{
    private const string Title = "Await the operation and take the buffer back";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIds.InFlightOperationDropped);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root == null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (node is ConditionalAccessExpressionSyntax)
            {
                // `await mirror?.WriteAtAsync(...)` awaits a null when mirror is null: no mechanical fix.
                continue;
            }

            var invocation = node as InvocationExpressionSyntax ?? node.AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            if (invocation == null || !IsInAsyncFunction(invocation))
            {
                continue;
            }

            var document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(
                    Title,
                    cancellationToken => AwaitAndTakeBackAsync(document, root, invocation, cancellationToken),
                    equivalenceKey: nameof(AddAwaitCodeFixProvider)),
                diagnostic);
        }
    }

    /// <summary>
    /// Awaits the call and, where the result carries the buffer, takes it back in the same step
    /// (<c>(_, buf) = await op(buf);</c>), so that the fix does not leave a UR0002 behind.
    /// </summary>
    private static async Task<Document> AwaitAndTakeBackAsync(Document document, SyntaxNode root, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        var annotation = new SyntaxAnnotation();
        var awaited = SyntaxFactory.AwaitExpression(SyntaxFactory.Token(SyntaxKind.AwaitKeyword).WithTrailingTrivia(SyntaxFactory.Space), invocation.WithoutLeadingTrivia())
            .WithLeadingTrivia(invocation.GetLeadingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation, annotation);
        var awaitedDocument = document.WithSyntaxRoot(root.ReplaceNode(invocation, awaited));
        var newRoot = await awaitedDocument.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var awaitExpression = newRoot?.GetAnnotatedNodes(annotation).OfType<AwaitExpressionSyntax>().FirstOrDefault();
        if (awaitExpression == null || !await TakeBackRewriter.CanRewriteAsync(awaitedDocument, awaitExpression, cancellationToken).ConfigureAwait(false))
        {
            return awaitedDocument;
        }

        return await TakeBackRewriter.RewriteAsync(awaitedDocument, awaitExpression, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsInAsyncFunction(SyntaxNode node)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case AnonymousFunctionExpressionSyntax function:
                    return function.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword);
                case LocalFunctionStatementSyntax localFunction:
                    return localFunction.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case MethodDeclarationSyntax method:
                    return method.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case BaseMethodDeclarationSyntax:
                case AccessorDeclarationSyntax:
                    return false;
            }
        }

        return false;
    }
}
