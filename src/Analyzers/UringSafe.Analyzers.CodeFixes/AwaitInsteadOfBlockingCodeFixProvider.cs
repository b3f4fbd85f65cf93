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
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace UringSafe.Analyzers.CodeFixes;

/// <summary>
/// UR0008: replaces a blocking call with its await form (<c>t.Result</c> → <c>await t</c>, <c>Thread.Sleep</c> →
/// <c>await UringReactor.Current.Delay</c>/<c>Task.Delay</c>, <c>stream.Read</c> → <c>await stream.ReadAsync</c>), making the
/// enclosing function <c>async</c> when it returns a task made with <c>Task.FromResult</c>/<c>CompletedTask</c>. Offered
/// only when the result compiles without new errors in that function.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AwaitInsteadOfBlockingCodeFixProvider)), Shared]
public sealed class AwaitInsteadOfBlockingCodeFixProvider : CodeFixProvider
{
    private const string Title = "Await instead of blocking";
    private static readonly SyntaxAnnotation FunctionAnnotation = new SyntaxAnnotation("UR0008.Function");

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIds.BlockingOnReactor);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            var fixedDocument = await FixAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false);
            if (fixedDocument != null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(Title, _ => Task.FromResult(fixedDocument), equivalenceKey: nameof(AwaitInsteadOfBlockingCodeFixProvider)),
                    diagnostic);
            }
        }
    }

    private static async Task<Document?> FixAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root == null || model == null || !diagnostic.Properties.TryGetValue(ReactorBlockingAnalyzer.KindProperty, out var kind)
            || !(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is ExpressionSyntax blocking))
        {
            return null;
        }

        var awaited = AwaitForm(blocking, kind, model);
        var function = blocking.Ancestors().FirstOrDefault(IsFunction);
        if (awaited == null || function == null)
        {
            return null;
        }

        // Inside a larger expression the await is parenthesized (the simplifier drops parentheses it does not need);
        // a statement cannot be parenthesized.
        var replacement = (blocking.Parent is ExpressionSyntax && !(blocking.Parent is ParenthesizedExpressionSyntax)
                ? SyntaxFactory.ParenthesizedExpression(awaited).WithAdditionalAnnotations(Simplifier.Annotation)
                : (ExpressionSyntax)awaited)
            .WithTriviaFrom(blocking)
            .WithAdditionalAnnotations(Formatter.Annotation);
        var symbol = function is AnonymousFunctionExpressionSyntax
            ? model.GetSymbolInfo(function, cancellationToken).Symbol as IMethodSymbol
            : model.GetDeclaredSymbol(function, cancellationToken) as IMethodSymbol;
        var newFunction = symbol == null ? null
            : symbol.IsAsync ? function.ReplaceNode(blocking, replacement)
            : MakeAsync(function, symbol, blocking, replacement, model, cancellationToken);
        if (newFunction == null)
        {
            return null;
        }

        var newRoot = root.ReplaceNode(function, newFunction.WithAdditionalAnnotations(FunctionAnnotation));
        var newDocument = document.WithSyntaxRoot(newRoot);
        return await CompilesAsWellAsync(document, function, newDocument, cancellationToken).ConfigureAwait(false) ? newDocument : null;
    }

    /// <summary>The awaited expression that replaces the blocking one, or null when there is no await form.</summary>
    private static AwaitExpressionSyntax? AwaitForm(ExpressionSyntax blocking, string? kind, SemanticModel model)
    {
        switch (kind)
        {
            case nameof(BlockingKind.Result) when blocking is MemberAccessExpressionSyntax result:
                return Await(result.Expression);
            case nameof(BlockingKind.Wait) when blocking is InvocationExpressionSyntax wait && wait.ArgumentList.Arguments.Count == 0
                && wait.Parent is ExpressionStatementSyntax && wait.Expression is MemberAccessExpressionSyntax waited:
                return Await(waited.Expression);
            case nameof(BlockingKind.GetResult) when blocking is InvocationExpressionSyntax getResult
                && getResult.Expression is MemberAccessExpressionSyntax { Expression: InvocationExpressionSyntax getAwaiter }
                && getAwaiter.Expression is MemberAccessExpressionSyntax awaiterAccess:
                return Await(awaiterAccess.Expression);
            case nameof(BlockingKind.WaitAll) when blocking is InvocationExpressionSyntax waitAll && waitAll.Parent is ExpressionStatementSyntax:
                return Await(Renamed(waitAll, "WhenAll"));
            case nameof(BlockingKind.Sleep) when blocking is InvocationExpressionSyntax sleep && sleep.Parent is ExpressionStatementSyntax
                && sleep.ArgumentList.Arguments.Count == 1:
                return Await(Delay(sleep.ArgumentList, model));
            case nameof(BlockingKind.SynchronousIo) when blocking is InvocationExpressionSyntax io:
                var name = io.Expression is MemberAccessExpressionSyntax access ? access.Name.Identifier.ValueText : null;
                return name == null ? null : Await(Renamed(io, name + "Async"));
            default:
                return null;
        }
    }

    private static AwaitExpressionSyntax Await(ExpressionSyntax operand) =>
        SyntaxFactory.AwaitExpression(operand.WithoutTrivia());

    private static ExpressionSyntax Renamed(InvocationExpressionSyntax invocation, string name)
    {
        var access = (MemberAccessExpressionSyntax)invocation.Expression;
        return invocation.WithExpression(access.WithName(SyntaxFactory.IdentifierName(name)));
    }

    /// <summary>A TimeSpan goes to the reactor's own timer (an io_uring timeout); milliseconds to Task.Delay.</summary>
    private static ExpressionSyntax Delay(ArgumentListSyntax arguments, SemanticModel model)
    {
        var argumentType = model.GetTypeInfo(arguments.Arguments[0].Expression).Type;
        var timer = argumentType?.ToDisplayString() == "System.TimeSpan" && model.Compilation.GetTypeByMetadataName("UringSafe.Async.UringReactor") != null
            ? "global::UringSafe.Async.UringReactor.Current.Delay"
            : "global::System.Threading.Tasks.Task.Delay";
        return SyntaxFactory.InvocationExpression(
            SyntaxFactory.ParseExpression(timer).WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation),
            arguments.WithoutTrivia());
    }

    private static bool IsFunction(SyntaxNode node) =>
        node is AnonymousFunctionExpressionSyntax || node is LocalFunctionStatementSyntax || node is MethodDeclarationSyntax
        || node is AccessorDeclarationSyntax || node is ConstructorDeclarationSyntax || node is OperatorDeclarationSyntax;

    /// <summary>
    /// Makes a task-returning function async when every value it returns is an already-complete task
    /// (<c>Task.FromResult(x)</c>, <c>Task.CompletedTask</c>, the ValueTask forms), which become <c>return x;</c>/<c>return;</c>.
    /// Anything else (a void function: async void would lose its exceptions) gets no fix.
    /// </summary>
    private static SyntaxNode? MakeAsync(SyntaxNode function, IMethodSymbol symbol, ExpressionSyntax blocking, ExpressionSyntax replacement,
        SemanticModel model, CancellationToken cancellationToken)
    {
        if (!IsTaskLike(symbol.ReturnType) || !(function is AnonymousFunctionExpressionSyntax
            || function is LocalFunctionStatementSyntax || function is MethodDeclarationSyntax))
        {
            return null;
        }

        var returns = Returns(function).ToList();
        if (returns.Count == 0 || returns.Any(node => CompletedValue(ReturnedValue(node), model, cancellationToken, out var isVoid) == null
            || (isVoid && !(node is ReturnStatementSyntax))))
        {
            return null;
        }

        var rewritten = function.ReplaceNodes(
            returns.Append(blocking),
            (original, current) =>
            {
                if (original == blocking)
                {
                    return replacement;
                }

                // Task.FromResult(x) -> x; "return Task.CompletedTask;" -> "return;".
                if (current is ReturnStatementSyntax statement)
                {
                    var value = CompletedValue(statement.Expression!, null, cancellationToken, out var isVoid)!;
                    return isVoid
                        ? statement.WithExpression(null).WithReturnKeyword(statement.ReturnKeyword.WithoutTrivia().WithLeadingTrivia(statement.ReturnKeyword.LeadingTrivia))
                        : statement.WithExpression(value.WithTriviaFrom(statement.Expression!));
                }

                var body = (ExpressionSyntax)current;
                return CompletedValue(body, null, cancellationToken, out _)!.WithTriviaFrom(body);
            });
        return AddAsync(rewritten);
    }

    private static ExpressionSyntax ReturnedValue(SyntaxNode node) => node is ReturnStatementSyntax statement ? statement.Expression! : (ExpressionSyntax)node;

    /// <summary>What the function returns through (return statements with a value, or the expression body), not nested functions.</summary>
    private static IEnumerable<SyntaxNode> Returns(SyntaxNode function)
    {
        switch (function)
        {
            case AnonymousFunctionExpressionSyntax { ExpressionBody: { } body }:
                yield return body;
                yield break;
            case LocalFunctionStatementSyntax { ExpressionBody: { } arrow }:
                yield return arrow.Expression;
                yield break;
            case MethodDeclarationSyntax { ExpressionBody: { } arrow }:
                yield return arrow.Expression;
                yield break;
        }

        foreach (var node in function.DescendantNodes(child => child == function || !IsFunction(child)))
        {
            if (node is ReturnStatementSyntax { Expression: { } })
            {
                yield return node;
            }
        }
    }

    /// <summary>
    /// For <c>Task.FromResult(x)</c>, <c>ValueTask.FromResult(x)</c> and <c>new ValueTask&lt;T&gt;(x)</c>: x; for
    /// <c>Task.CompletedTask</c>/<c>ValueTask.CompletedTask</c>: the expression itself with <paramref name="isVoid"/> set;
    /// otherwise null. Without a model (on rewritten syntax) only the shape is read.
    /// </summary>
    private static ExpressionSyntax? CompletedValue(ExpressionSyntax value, SemanticModel? model, CancellationToken cancellationToken, out bool isVoid)
    {
        isVoid = false;
        switch (value)
        {
            case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "FromResult" } } invocation
                when invocation.ArgumentList.Arguments.Count == 1 && IsTaskMember(invocation, model, cancellationToken):
                return invocation.ArgumentList.Arguments[0].Expression;
            case ObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: 1 } creation
                when model == null || (model.GetSymbolInfo(creation, cancellationToken).Symbol is IMethodSymbol constructor
                    && constructor.ContainingType.Name == "ValueTask" && constructor.OriginalDefinition.Parameters[0].Type is ITypeParameterSymbol):
                return creation.ArgumentList!.Arguments[0].Expression;
            case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "CompletedTask" } completed when IsTaskMember(completed, model, cancellationToken):
                isVoid = true;
                return completed;
            default:
                return null;
        }
    }

    private static bool IsTaskMember(ExpressionSyntax expression, SemanticModel? model, CancellationToken cancellationToken) =>
        model == null || (model.GetSymbolInfo(expression, cancellationToken).Symbol is { IsStatic: true } member && IsTaskLike(member.ContainingType));

    private static bool IsTaskLike(ITypeSymbol type) =>
        (type.Name == "Task" || type.Name == "ValueTask") && LendingModel.IsNamespace(type.ContainingNamespace, "System.Threading.Tasks");

    private static SyntaxNode AddAsync(SyntaxNode function)
    {
        var asyncKeyword = SyntaxFactory.Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        switch (function)
        {
            case AnonymousFunctionExpressionSyntax lambda:
                return lambda.WithoutLeadingTrivia().WithAsyncKeyword(asyncKeyword.WithLeadingTrivia(lambda.GetLeadingTrivia()));
            case LocalFunctionStatementSyntax local:
                return local.Modifiers.Count == 0
                    ? local.WithReturnType(local.ReturnType.WithoutLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(asyncKeyword.WithLeadingTrivia(local.ReturnType.GetLeadingTrivia())))
                    : local.AddModifiers(asyncKeyword);
            case MethodDeclarationSyntax method:
                return method.Modifiers.Count == 0
                    ? method.WithReturnType(method.ReturnType.WithoutLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(asyncKeyword.WithLeadingTrivia(method.ReturnType.GetLeadingTrivia())))
                    : method.AddModifiers(asyncKeyword);
            default:
                return function;
        }
    }

    /// <summary>Whether the rewritten function has no more compiler errors than before.</summary>
    private static async Task<bool> CompilesAsWellAsync(Document before, SyntaxNode function, Document after, CancellationToken cancellationToken)
    {
        var oldModel = await before.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var newRoot = await after.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var newModel = await after.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var newFunction = newRoot?.GetAnnotatedNodes(FunctionAnnotation).FirstOrDefault();
        if (oldModel == null || newModel == null || newFunction == null)
        {
            return false;
        }

        int Errors(SemanticModel model, SyntaxNode node) =>
            model.GetDiagnostics(node.FullSpan, cancellationToken).Count(d => d.Severity == DiagnosticSeverity.Error);

        return Errors(newModel, newFunction) <= Errors(oldModel, function);
    }
}
