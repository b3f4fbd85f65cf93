using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace UringSafe.Analyzers.CodeFixes;

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

    public override FixAllProvider GetFixAllProvider() => FixAll.Instance;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root == null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var awaitExpression = FindAwait(root, diagnostic);
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

    /// <summary>The await that dropped the buffer: the UR0002 location, or the one a fixable UR0001 points to.</summary>
    private static AwaitExpressionSyntax? FindAwait(SyntaxNode root, Diagnostic diagnostic)
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
            return null;
        }

        // By path: dotnet format hands over diagnostics computed on its own copy of the syntax trees.
        if (location.SourceTree == null || location.SourceTree.FilePath != root.SyntaxTree.FilePath)
        {
            return null;
        }

        var node = root.FindNode(location.SourceSpan, getInnermostNodeForTie: true);
        return node as AwaitExpressionSyntax ?? node.AncestorsAndSelf().OfType<AwaitExpressionSyntax>().FirstOrDefault();
    }

    /// <summary>
    /// Fix All: each await that dropped a buffer is rewritten once, however many diagnostics point to it (a UR0002
    /// and every UR0001 after it), one after the other in each document so that every rewrite sees the previous ones.
    /// </summary>
    private static class FixAll
    {
        public static readonly SolutionFixAll Instance = new SolutionFixAll(Title, nameof(TakeBackBufferCodeFixProvider), FixAsync);

        private static async Task<Solution> FixAsync(Solution solution, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            foreach (var group in diagnostics.Where(d => d.Location.SourceTree != null).GroupBy(d => d.Location.SourceTree!.FilePath))
            {
                var document = FixAllDiagnostics.FindDocument(solution, group.First().Location.SourceTree!);
                var root = document == null ? null : await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                if (document == null || root == null)
                {
                    continue;
                }

                var awaits = group.Select(diagnostic => FindAwait(root, diagnostic)).OfType<AwaitExpressionSyntax>().Distinct().ToList();
                if (awaits.Count == 0)
                {
                    continue;
                }

                document = document.WithSyntaxRoot(root.TrackNodes(awaits));
                foreach (var original in awaits)
                {
                    var current = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))?.GetCurrentNode(original);
                    if (current != null && await TakeBackRewriter.CanRewriteAsync(document, current, cancellationToken).ConfigureAwait(false))
                    {
                        document = await TakeBackRewriter.RewriteAsync(document, current, cancellationToken).ConfigureAwait(false);
                    }
                }

                solution = document.Project.Solution;
            }

            return solution;
        }
    }
}
