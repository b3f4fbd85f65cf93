using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers.CodeFixes
{
    /// <summary>Rewrites an await whose buffer is dropped so that the buffer is assigned back to the lent variable.</summary>
    internal static class TakeBackRewriter
    {
        public static async Task<bool> CanRewriteAsync(Document document, AwaitExpressionSyntax awaitExpression, CancellationToken cancellationToken)
        {
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            return model != null && Plan(model, awaitExpression, cancellationToken) != null;
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

            if (parent is AssignmentExpressionSyntax assignment && assignment.Right.WithoutTrivia().ToString().Contains(awaitText))
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

            replacement = replacement
                .WithLeadingTrivia(target.GetLeadingTrivia())
                .WithTrailingTrivia(target.GetTrailingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
            return document.WithSyntaxRoot(root.ReplaceNode(target, replacement));
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

            if (!(operand is IInvocationOperation invocation) || !LendingModel.IsLendingInvocation(invocation))
            {
                return null;
            }

            var lent = LendingModel.GetLentValues(invocation).Select(LendingModel.StripConversions).FirstOrDefault();
            if (lent == null || !IsAssignable(lent))
            {
                return null;
            }

            var resultType = awaitOperation.Type;
            var arity = DeconstructionArity(resultType);
            if (arity > 0)
            {
                return (lent.Syntax.ToString(), LendingModel.GetBufferElementIndex(resultType, arity, invocation), arity);
            }

            return LendingModel.ResultCarriesBuffer(resultType) ? (lent.Syntax.ToString(), -1, 0) : ((string, int, int)?)null;
        }

        private static bool IsAssignable(IOperation operation)
        {
            switch (operation)
            {
                case ILocalReferenceOperation:
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

        private static int DeconstructionArity(ITypeSymbol? type)
        {
            if (type == null)
            {
                return 0;
            }

            if (type is INamedTypeSymbol named && named.IsTupleType)
            {
                return named.TupleElements.Length;
            }

            for (var current = type; current != null; current = current.BaseType)
            {
                foreach (var member in current.GetMembers("Deconstruct"))
                {
                    if (member is IMethodSymbol method && method.Parameters.Length >= 2 && method.Parameters.All(p => p.RefKind == RefKind.Out))
                    {
                        return method.Parameters.Length;
                    }
                }
            }

            return 0;
        }
    }
}
