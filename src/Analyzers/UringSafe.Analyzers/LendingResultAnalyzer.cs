using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers
{
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
            context.RegisterOperationAction(AnalyzeInvocation, OperationKind.Invocation);
        }

        private static void AnalyzeInvocation(OperationAnalysisContext context)
        {
            var invocation = (IInvocationOperation)context.Operation;
            if (!LendingModel.IsLendingInvocation(invocation))
            {
                return;
            }

            var consumption = LendingModel.Classify(invocation, out var completion);
            switch (consumption)
            {
                case TaskConsumption.Dropped:
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.UR0003_InFlightOperationDropped,
                        invocation.Syntax.GetLocation(),
                        invocation.TargetMethod.Name));
                    break;
                case TaskConsumption.AwaitedDropped when completion != null:
                    if (LendingModel.LendsManagedBuffer(invocation) && LendingModel.ResultCarriesBuffer(completion.Type))
                    {
                        context.ReportDiagnostic(Diagnostic.Create(
                            DiagnosticDescriptors.UR0002_BufferNotTakenBack,
                            completion.Syntax.GetLocation(),
                            invocation.TargetMethod.Name));
                    }

                    break;
            }
        }
    }
}
