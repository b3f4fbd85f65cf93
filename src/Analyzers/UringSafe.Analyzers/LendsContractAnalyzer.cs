using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers
{
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
            context.RegisterOperationBlockAction(AnalyzeBlock);
        }

        private static void AnalyzeBlock(OperationBlockAnalysisContext context)
        {
            var lent = new Dictionary<IParameterSymbol, IInvocationOperation>(SymbolEqualityComparer.Default);
            var returned = new HashSet<IParameterSymbol>(SymbolEqualityComparer.Default);
            foreach (var block in context.OperationBlocks)
            {
                foreach (var operation in block.DescendantsAndSelf())
                {
                    if (operation is IInvocationOperation invocation && LendingModel.IsLendingInvocation(invocation))
                    {
                        CollectLentParameters(invocation, lent, returned);
                    }
                }
            }

            foreach (var pair in lent)
            {
                var parameter = pair.Key;
                if (!returned.Contains(parameter) && !LendingModel.IsLendingParameter(parameter))
                {
                    Report(context, parameter, "is lent to '" + pair.Value.TargetMethod.Name
                        + "' but not declared [Lends]; declare it [Lends] so that callers treat their buffer as lent, or give the buffer back through the result", null);
                }
            }

            if (context.OwningSymbol is IMethodSymbol method)
            {
                CheckAgreement(context, method, lent, returned);
            }
        }

        /// <summary>The parameters (of the method or of a local function in it) that the call lends, directly or through a view.</summary>
        private static void CollectLentParameters(IInvocationOperation invocation, Dictionary<IParameterSymbol, IInvocationOperation> lent, HashSet<IParameterSymbol> returned)
        {
            foreach (var value in LendingModel.GetLentValues(invocation))
            {
                var parameter = LentParameter(value);
                if (parameter == null
                    || parameter.RefKind != RefKind.None
                    || !(parameter.ContainingSymbol is IMethodSymbol owner)
                    || owner.MethodKind == MethodKind.AnonymousFunction)
                {
                    // A ref parameter gives the buffer back through itself; a lambda's parameters belong to a delegate
                    // type, which cannot carry [Lends].
                    continue;
                }

                if (!lent.ContainsKey(parameter))
                {
                    lent[parameter] = invocation;
                }

                if (ComesBackThroughResult(invocation, parameter, owner))
                {
                    returned.Add(parameter);
                }
            }
        }

        private static IParameterSymbol? LentParameter(IOperation value)
        {
            for (var depth = 0; depth < 8; depth++)
            {
                value = LendingModel.StripConversions(value);
                switch (value)
                {
                    case IParameterReferenceOperation reference:
                        return reference.Parameter;
                    case IInvocationOperation view when (view.Instance != null || view.Arguments.Length > 0) && IsViewCall(view):
                        value = view.Instance ?? view.Arguments[0].Value;
                        continue;
                    default:
                        return null;
                }
            }

            return null;
        }

        /// <summary><c>AsMemory</c>, <c>AsSpan</c>, <c>Slice</c>: a view of the same memory.</summary>
        private static bool IsViewCall(IInvocationOperation invocation)
        {
            var name = invocation.TargetMethod.Name;
            return name == "AsMemory" || name == "AsSpan" || name == "Slice";
        }

        /// <summary>
        /// Whether the buffer comes back to the caller through the method's result: the method returns the operation's
        /// task (or its awaited result) directly, or returns a result that carries a buffer and mentions the parameter.
        /// </summary>
        private static bool ComesBackThroughResult(IInvocationOperation invocation, IParameterSymbol parameter, IMethodSymbol owner)
        {
            var top = LendingModel.SkipTaskWrappersUpward(invocation);
            if (top.Parent is IAwaitOperation awaitOperation)
            {
                top = awaitOperation;
                while (top.Parent is IConversionOperation)
                {
                    top = top.Parent;
                }
            }

            if (top.Parent is IReturnOperation && EnclosingFunction(top) == null)
            {
                return true;
            }

            if (!LendingModel.ResultCarriesBuffer(LendingModel.AwaitedType(owner.ReturnType)))
            {
                return false;
            }

            var body = Root(invocation);
            foreach (var operation in body.DescendantsAndSelf())
            {
                if (operation is IReturnOperation @return && @return.ReturnedValue != null && EnclosingFunction(@return) == null)
                {
                    foreach (var returnedPart in @return.ReturnedValue.DescendantsAndSelf())
                    {
                        if (returnedPart is IParameterReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Parameter, parameter))
                        {
                            return true;
                        }
                    }
                }
            }

            return false;

            // The lambda or local function the operation is in, below the parameter's own method.
            IOperation? EnclosingFunction(IOperation operation)
            {
                for (var current = operation.Parent; current != null; current = current.Parent)
                {
                    if (current is IAnonymousFunctionOperation lambda)
                    {
                        return SymbolEqualityComparer.Default.Equals(lambda.Symbol, owner) ? null : lambda;
                    }

                    if (current is ILocalFunctionOperation localFunction)
                    {
                        return SymbolEqualityComparer.Default.Equals(localFunction.Symbol, owner) ? null : localFunction;
                    }
                }

                return null;
            }

            IOperation Root(IOperation operation)
            {
                var current = operation;
                while (current.Parent != null)
                {
                    if (current.Parent is ILocalFunctionOperation localFunction && SymbolEqualityComparer.Default.Equals(localFunction.Symbol, owner))
                    {
                        return localFunction;
                    }

                    current = current.Parent;
                }

                return current;
            }
        }

        /// <summary>An implementation or override must declare [Lends] exactly where the method it implements or overrides does.</summary>
        private static void CheckAgreement(OperationBlockAnalysisContext context, IMethodSymbol method, Dictionary<IParameterSymbol, IInvocationOperation> lent, HashSet<IParameterSymbol> returned)
        {
            foreach (var declaration in ImplementedOrOverridden(method))
            {
                for (var i = 0; i < method.Parameters.Length && i < declaration.Parameters.Length; i++)
                {
                    var parameter = method.Parameters[i];
                    var declared = declaration.Parameters[i];
                    var lends = LendingModel.IsLendingParameter(parameter);
                    if (lends == LendingModel.IsLendingParameter(declared) || (!lends && lent.ContainsKey(parameter) && !returned.Contains(parameter)))
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
}
