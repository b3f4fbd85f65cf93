using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>
/// UR0007: a method that lends one of its own parameters must say so with [Lends], so that ownership flows through
/// helpers to their callers as a move does in Rust, unless the buffer comes back through the method's result; and an
/// implementation or override must agree on [Lends] with the method it implements or overrides.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LendsContractAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.UR0007_ParameterLentNotDeclared);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var facts = LendingFacts.For(start.Compilation);
            start.RegisterOperationBlockAction(block => AnalyzeBlock(block, facts));
        });
    }

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, LendingFacts facts)
    {
        var lending = ParameterLending.Of(facts, context.OperationBlocks);
        foreach (var pair in lending.Lent)
        {
            var parameter = pair.Key;
            if (!lending.Returned.Contains(parameter) && !facts.IsDeclaredLending(parameter))
            {
                Report(context, parameter, "is lent to '" + pair.Value.TargetMethod.Name
                    + "' but not declared [Lends]; declare it [Lends] so that callers treat their buffer as lent, or give the buffer back through the result", null);
            }
        }

        if (context.OwningSymbol is IMethodSymbol method)
        {
            CheckAgreement(context, method, lending.Lent, lending.Returned, facts);
        }
    }

    /// <summary>An implementation or override must declare [Lends] exactly where the method it implements or overrides does.</summary>
    private static void CheckAgreement(OperationBlockAnalysisContext context, IMethodSymbol method, Dictionary<IParameterSymbol, IInvocationOperation> lent, HashSet<IParameterSymbol> returned, LendingFacts facts)
    {
        foreach (var declaration in ImplementedOrOverridden(method))
        {
            for (var i = 0; i < method.Parameters.Length && i < declaration.Parameters.Length; i++)
            {
                var parameter = method.Parameters[i];
                var declared = declaration.Parameters[i];
                var lends = facts.IsDeclaredLending(parameter);
                if (lends == facts.IsDeclaredLending(declared) || (!lends && lent.ContainsKey(parameter) && !returned.Contains(parameter)))
                {
                    // Agreeing, or already reported above as lent but not declared.
                    continue;
                }

                var name = declaration.ContainingType.Name + "." + declaration.Name;
                var target = FirstSourceLocation(declared);
                if (lends && target == null)
                {
                    // A declaration from another assembly (Stream.ReadAsync) cannot be changed; the override
                    // still tells its direct callers more than the declaration can.
                    continue;
                }

                if (lends)
                {
                    Report(context, parameter, "is declared [Lends] but '" + name
                        + "' does not declare it [Lends]; callers through '" + name + "' would not know the buffer is lent: declare it [Lends] there too", target);
                }
                else
                {
                    Report(context, parameter, "is not declared [Lends] but '" + name
                        + "' declares it [Lends]; an implementation or override must agree with its declaration", null);
                }
            }
        }
    }

    private static IEnumerable<IMethodSymbol> ImplementedOrOverridden(IMethodSymbol method)
    {
        if (method.OverriddenMethod != null)
        {
            yield return method.OverriddenMethod;
        }

        foreach (var explicitImplementation in method.ExplicitInterfaceImplementations)
        {
            yield return explicitImplementation;
        }

        if (method.DeclaredAccessibility != Accessibility.Public || method.IsStatic)
        {
            yield break;
        }

        foreach (var @interface in method.ContainingType.AllInterfaces)
        {
            foreach (var member in @interface.GetMembers(method.Name))
            {
                if (member is IMethodSymbol interfaceMethod
                    && SymbolEqualityComparer.Default.Equals(method.ContainingType.FindImplementationForInterfaceMember(interfaceMethod), method))
                {
                    yield return interfaceMethod;
                }
            }
        }
    }

    private static Location? FirstSourceLocation(ISymbol symbol)
    {
        foreach (var location in symbol.Locations)
        {
            if (location.IsInSource)
            {
                return location;
            }
        }

        return null;
    }

    private static void Report(OperationBlockAnalysisContext context, IParameterSymbol parameter, string reason, Location? addLendsAt)
    {
        var location = FirstSourceLocation(parameter);
        if (location == null)
        {
            return;
        }

        ImmutableDictionary<string, string?>? properties = null;
        IEnumerable<Location>? additional = null;
        if (addLendsAt != null)
        {
            properties = ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.AddLendsToBaseProperty, "true");
            additional = new[] { addLendsAt };
        }

        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UR0007_ParameterLentNotDeclared, location, additional, properties, parameter.Name, reason));
    }
}
