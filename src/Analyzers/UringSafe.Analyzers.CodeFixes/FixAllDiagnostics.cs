using System;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace UringSafe.Analyzers.CodeFixes;

/// <summary>The diagnostics a Fix All covers: its document, its project or its whole solution.</summary>
internal static class FixAllDiagnostics
{
    /// <summary>
    /// The document of a diagnostic's tree, by identity or else by path: dotnet format hands over diagnostics
    /// computed on its own copy of the syntax trees.
    /// </summary>
    public static Document? FindDocument(Solution solution, SyntaxTree tree)
    {
        var document = solution.GetDocument(tree);
        if (document != null || string.IsNullOrEmpty(tree.FilePath))
        {
            return document;
        }

        var ids = solution.GetDocumentIdsWithFilePath(tree.FilePath);
        return ids.IsEmpty ? null : solution.GetDocument(ids[0]);
    }

    public static async Task<ImmutableArray<Diagnostic>> CollectAsync(FixAllContext context)
    {
        switch (context.Scope)
        {
            case FixAllScope.Document when context.Document != null:
                return await context.GetDocumentDiagnosticsAsync(context.Document).ConfigureAwait(false);
            case FixAllScope.Project:
                return await context.GetAllDiagnosticsAsync(context.Project).ConfigureAwait(false);
            case FixAllScope.Solution:
                var builder = ImmutableArray.CreateBuilder<Diagnostic>();
                foreach (var project in context.Solution.Projects)
                {
                    builder.AddRange(await context.GetAllDiagnosticsAsync(project).ConfigureAwait(false));
                }

                return builder.ToImmutable();
            default:
                return ImmutableArray<Diagnostic>.Empty;
        }
    }
}

/// <summary>A Fix All that applies one solution change for every diagnostic in its scope, across documents.</summary>
internal sealed class SolutionFixAll : FixAllProvider
{
    private readonly string _title;
    private readonly string _equivalenceKey;
    private readonly Func<Solution, ImmutableArray<Diagnostic>, CancellationToken, Task<Solution>> _fix;

    public SolutionFixAll(string title, string equivalenceKey, Func<Solution, ImmutableArray<Diagnostic>, CancellationToken, Task<Solution>> fix)
    {
        _title = title;
        _equivalenceKey = equivalenceKey;
        _fix = fix;
    }

    public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
    {
        var diagnostics = await FixAllDiagnostics.CollectAsync(fixAllContext).ConfigureAwait(false);
        if (diagnostics.IsEmpty)
        {
            return null;
        }

        var solution = fixAllContext.Solution;
        return CodeAction.Create(_title, cancellationToken => _fix(solution, diagnostics, cancellationToken), equivalenceKey: _equivalenceKey);
    }
}
