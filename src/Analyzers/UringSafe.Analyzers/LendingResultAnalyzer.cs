using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>
/// Reports lending calls whose task is discarded (UR0003) or whose awaited result drops the buffer (UR0002).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LendingResultAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.UR0002_BufferNotTakenBack,
        DiagnosticDescriptors.UR0003_InFlightOperationDropped);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var facts = LendingFacts.For(start.Compilation);
            start.RegisterOperationAction(operation => AnalyzeInvocation(operation, facts), OperationKind.Invocation);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, LendingFacts facts)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!facts.IsLendingInvocation(invocation))
        {
            return;
        }

        var consumption = LendingModel.Classify(invocation, facts, out var completion);
        switch (consumption)
        {
            case TaskConsumption.Dropped:
                {
                    var takeBack = LendingModel.TakeBackForm(invocation, facts);
                    var lent = facts.GetLentValues(invocation).Select(LendingModel.StripConversions).FirstOrDefault();
                    var advice = takeBack != null
                        ? "await it and take the buffer back, '" + takeBack + "' (a bare 'await' leaves '" + lent!.Syntax + "' lent: UR0002), or store or return the task"
                        : LendingModel.LendsManagedBuffer(invocation, facts) && facts.ResultCarriesBuffer(LendingModel.AwaitedType(invocation.Type))
                            ? "await it and take the buffer from its result, or store or return the task"
                            : "await it, or store or return the task";
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.UR0003_InFlightOperationDropped,
                        DroppedExpression(invocation).Syntax.GetLocation(),
                        invocation.TargetMethod.Name,
                        advice));
                    break;
                }
            case TaskConsumption.AwaitedDropped when completion != null:
                if (LendingModel.LendsManagedBuffer(invocation, facts) && facts.ResultCarriesBuffer(completion.Type))
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.UR0002_BufferNotTakenBack,
                        completion.Syntax.GetLocation(),
                        invocation.TargetMethod.Name));
                }

                break;
        }
    }

    /// <summary>The call, or the whole conditional access (<c>mirror?.WriteAtAsync(buf, 0)</c>) it is part of.</summary>
    private static IOperation DroppedExpression(IInvocationOperation invocation)
    {
        IOperation result = invocation;
        for (IOperation current = invocation; current.Parent != null && current.Parent.Kind != OperationKind.ExpressionStatement; current = current.Parent)
        {
            if (current.Parent is IConditionalAccessOperation)
            {
                result = current.Parent;
            }
        }

        return result;
    }
}
