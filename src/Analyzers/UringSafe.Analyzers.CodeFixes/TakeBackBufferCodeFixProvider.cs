using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace UringSafe.Analyzers.CodeFixes
{
    /// <summary>
    /// UR0002 and UR0001: assigns the buffer in the awaited result back to the lent variable,
    /// <c>await op(buf);</c> becoming <c>(_, buf) = await op(buf);</c>.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TakeBackBufferCodeFixProvider)), Shared]
    public sealed class TakeBackBufferCodeFixProvider : CodeFixProvider
    {
        private const string Title = "Take the buffer back from the result";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(RuleIds.BufferNotTakenBack, RuleIds.BufferUsedWhileLent);

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
                Location location;
                if (diagnostic.Id == RuleIds.BufferNotTakenBack)
                {
                    location = diagnostic.Location;
                }
                else if (diagnostic.Properties.ContainsKey(DiagnosticDescriptors.TakeBackProperty) && diagnostic.AdditionalLocations.Count > 0)
                {
                    location = diagnostic.AdditionalLocations[0];
                }
                else
                {
                    continue;
                }

                if (location.SourceTree != root.SyntaxTree)
                {
                    continue;
                }

                var node = root.FindNode(location.SourceSpan, getInnermostNodeForTie: true);
                var awaitExpression = node as AwaitExpressionSyntax ?? node.AncestorsAndSelf().OfType<AwaitExpressionSyntax>().FirstOrDefault();
                if (awaitExpression == null || !await TakeBackRewriter.CanRewriteAsync(context.Document, awaitExpression, context.CancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                context.RegisterCodeFix(
                    CodeAction.Create(
                        Title,
                        cancellationToken => TakeBackRewriter.RewriteAsync(context.Document, awaitExpression, cancellationToken),
                        equivalenceKey: nameof(TakeBackBufferCodeFixProvider)),
                    diagnostic);
            }
        }
    }
}
