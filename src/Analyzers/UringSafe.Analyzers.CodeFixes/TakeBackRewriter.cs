using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers.CodeFixes;

/// <summary>Rewrites an await whose buffer is dropped so that the buffer is assigned back to the lent variable.</summary>
internal static class TakeBackRewriter
{
    public static async Task<bool> CanRewriteAsync(Document document, AwaitExpressionSyntax awaitExpression, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model == null || !(Plan(model, awaitExpression, cancellationToken) is { } plan))
        {
            return false;
        }

        return !(OutermostParentheses(awaitExpression).Parent is MemberAccessExpressionSyntax member)
            || MemberRewrite(model, awaitExpression, member, plan, cancellationToken) != null;
    }

    public static async Task<Document> RewriteAsync(Document document, AwaitExpressionSyntax awaitExpression, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (model == null || root == null)
        {
            return document;
        }

        var plan = Plan(model, awaitExpression, cancellationToken);
        if (plan == null)
        {
            return document;
        }

        var (bufferText, index, arity) = plan.Value;
        var awaitText = awaitExpression.WithoutTrivia().ToString();
        SyntaxNode target;
        ExpressionSyntax replacement;

        var parent = awaitExpression.Parent;
        while (parent is ParenthesizedExpressionSyntax)
        {
            parent = parent.Parent;
        }

        if (parent is MemberAccessExpressionSyntax member)
        {
            var rewrite = MemberRewrite(model, awaitExpression, member, plan.Value, cancellationToken);
            if (rewrite == null)
            {
                return document;
            }

            target = rewrite.Value.Target;
            replacement = rewrite.Value.Replacement;
        }
        else if (parent is AssignmentExpressionSyntax assignment && assignment.Right.WithoutTrivia().ToString().Contains(awaitText))
        {
            target = assignment;
            if (assignment.Left is DeclarationExpressionSyntax declaration && declaration.Designation is ParenthesizedVariableDesignationSyntax designation)
            {
                var elements = designation.Variables.Select((variable, i) =>
                    i == index ? bufferText
                    : variable is SingleVariableDesignationSyntax single ? "var " + single.Identifier.Text
                    : "_");
                replacement = SyntaxFactory.ParseExpression("(" + string.Join(", ", elements) + ") = " + awaitText);
            }
            else if (assignment.Left is TupleExpressionSyntax tuple && tuple.Arguments.Count == arity)
            {
                var elements = tuple.Arguments.Select((argument, i) => i == index ? bufferText : argument.ToString());
                replacement = SyntaxFactory.ParseExpression("(" + string.Join(", ", elements) + ") = " + awaitText);
            }
            else
            {
                replacement = Build(bufferText, index, arity, awaitText);
            }
        }
        else
        {
            target = awaitExpression;
            replacement = Build(bufferText, index, arity, awaitText);
        }

        if (target is StatementSyntax)
        {
            var statement = SyntaxFactory.ExpressionStatement(replacement)
                .WithLeadingTrivia(target.GetLeadingTrivia())
                .WithTrailingTrivia(target.GetTrailingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
            return document.WithSyntaxRoot(root.ReplaceNode(target, statement));
        }

        replacement = replacement
            .WithLeadingTrivia(target.GetLeadingTrivia())
            .WithTrailingTrivia(target.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);
        return document.WithSyntaxRoot(root.ReplaceNode(target, replacement));
    }

    private static SyntaxNode OutermostParentheses(SyntaxNode node)
    {
        while (node.Parent is ParenthesizedExpressionSyntax)
        {
            node = node.Parent;
        }

        return node;
    }

    /// <summary>
    /// <c>int n = (await op(buf)).Result;</c> becomes <c>(int n, buf) = await op(buf);</c>, and <c>n = (await op(buf)).Result;</c>
    /// becomes <c>(n, buf) = await op(buf);</c>: the member read is the other element of the deconstruction.
    /// </summary>
    private static (SyntaxNode Target, ExpressionSyntax Replacement)? MemberRewrite(
        SemanticModel model, AwaitExpressionSyntax awaitExpression, MemberAccessExpressionSyntax member, (string Buffer, int Index, int Arity) plan, CancellationToken cancellationToken)
    {
        if (plan.Arity == 0 || !(model.GetTypeInfo(awaitExpression, cancellationToken).Type is { } resultType))
        {
            return null;
        }

        var names = ElementNames(resultType, plan.Arity);
        var element = names.FindIndex(name => string.Equals(name, member.Name.Identifier.Text, System.StringComparison.OrdinalIgnoreCase));
        if (element < 0 || element == plan.Index)
        {
            return null;
        }

        string receiver;
        SyntaxNode target;
        if (member.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
            && declarator.Parent is VariableDeclarationSyntax { Variables.Count: 1 } declaration
            && declaration.Parent is LocalDeclarationStatementSyntax statement
            && statement.UsingKeyword.IsKind(SyntaxKind.None)
            && !statement.Modifiers.Any())
        {
            receiver = declaration.Type.ToString() + " " + declarator.Identifier.Text;
            target = statement;
        }
        else if (member.Parent is AssignmentExpressionSyntax assignment && assignment.IsKind(SyntaxKind.SimpleAssignmentExpression)
            && assignment.Right == member && assignment.Parent is ExpressionStatementSyntax)
        {
            receiver = assignment.Left.ToString();
            target = assignment;
        }
        else
        {
            return null;
        }

        var elements = Enumerable.Range(0, plan.Arity).Select(i => i == plan.Index ? plan.Buffer : i == element ? receiver : "_");
        return (target, SyntaxFactory.ParseExpression("(" + string.Join(", ", elements) + ") = " + awaitExpression.WithoutTrivia()));
    }

    /// <summary>The element names of a tuple result, or the parameter names of its Deconstruct method.</summary>
    private static System.Collections.Generic.List<string> ElementNames(ITypeSymbol type, int arity)
    {
        if (type is INamedTypeSymbol named && named.IsTupleType)
        {
            return named.TupleElements.Select(e => e.Name).ToList();
        }

        for (var current = type; current != null; current = current.BaseType)
        {
            foreach (var candidate in current.GetMembers("Deconstruct"))
            {
                if (candidate is IMethodSymbol method && method.Parameters.Length == arity)
                {
                    return method.Parameters.Select(p => p.Name).ToList();
                }
            }
        }

        return new System.Collections.Generic.List<string>();
    }

    private static ExpressionSyntax Build(string bufferText, int index, int arity, string awaitText)
    {
        if (arity == 0)
        {
            return SyntaxFactory.ParseExpression(bufferText + " = (" + awaitText + ").Buffer");
        }

        var elements = Enumerable.Range(0, arity).Select(i => i == index ? bufferText : "_");
        return SyntaxFactory.ParseExpression("(" + string.Join(", ", elements) + ") = " + awaitText);
    }

    /// <summary>The lent variable's text, and the buffer element index and arity of the result (arity 0: use the Buffer property).</summary>
    private static (string Buffer, int Index, int Arity)? Plan(SemanticModel model, AwaitExpressionSyntax awaitExpression, CancellationToken cancellationToken)
    {
        if (!(model.GetOperation(awaitExpression, cancellationToken) is IAwaitOperation awaitOperation))
        {
            return null;
        }

        var operand = LendingModel.StripConversions(awaitOperation.Operation);
        while (operand is IInvocationOperation wrapper && LendingModel.IsTaskWrapper(wrapper) && wrapper.Instance != null)
        {
            operand = LendingModel.StripConversions(wrapper.Instance);
        }

        var facts = new LendingFacts(model.Compilation);
        if (!(operand is IInvocationOperation invocation) || !facts.IsLendingInvocation(invocation))
        {
            return null;
        }

        var lent = facts.GetLentValues(invocation).Select(LendingModel.StripConversions).FirstOrDefault();
        if (lent == null || !IsAssignable(lent))
        {
            return null;
        }

        var resultType = awaitOperation.Type;
        var arity = LendingModel.DeconstructionArity(resultType);
        if (arity > 0)
        {
            return (lent.Syntax.ToString(), LendingModel.GetBufferElementIndex(resultType, arity, invocation, facts), arity);
        }

        return LendingModel.ResultCarriesBuffer(resultType) ? (lent.Syntax.ToString(), -1, 0) : ((string, int, int)?)null;
    }

    private static bool IsAssignable(IOperation operation)
    {
        switch (operation)
        {
            case ILocalReferenceOperation local:
                // A using, foreach or fixed variable cannot be assigned (CS1656).
                return !local.Local.IsUsing && !local.Local.IsForEach && !local.Local.IsFixed && !local.Local.IsConst;
            case IParameterReferenceOperation:
                return true;
            case IFieldReferenceOperation field:
                return !field.Field.IsReadOnly;
            case IPropertyReferenceOperation property:
                return property.Property.SetMethod != null && property.Arguments.IsEmpty;
            default:
                return false;
        }
    }
}
