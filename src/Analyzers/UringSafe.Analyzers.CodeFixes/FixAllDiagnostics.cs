using System.Collections.Immutable;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace UringSafe.Analyzers.CodeFixes
{
    /// <summary>The diagnostics a Fix All covers: its document, its project or its whole solution.</summary>
    internal static class FixAllDiagnostics
    {
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
}
