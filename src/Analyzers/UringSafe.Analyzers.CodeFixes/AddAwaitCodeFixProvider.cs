using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace UringSafe.Analyzers.CodeFixes
{
    /// <summary>UR0003: awaits the dropped lending call when the enclosing function is async.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddAwaitCodeFixProvider)), Shared]
    public sealed class AddAwaitCodeFixProvider : CodeFixProvider
    {
        private const string Title = "Await the operation";

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
                var invocation = node as InvocationExpressionSyntax ?? node.AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
                if (invocation == null || !IsInAsyncFunction(invocation))
                {
                    continue;
                }

                context.RegisterCodeFix(
                    CodeAction.Create(
                        Title,
                        _ =>
                        {
                            var awaited = SyntaxFactory.AwaitExpression(invocation.WithoutLeadingTrivia())
                                .WithLeadingTrivia(invocation.GetLeadingTrivia())
                                .WithAdditionalAnnotations(Formatter.Annotation);
                            return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(invocation, awaited)));
                        },
                        equivalenceKey: nameof(AddAwaitCodeFixProvider)),
                    diagnostic);
            }
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
}
