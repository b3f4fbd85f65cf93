using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>
/// What each parameter does with a buffer, computed once per symbol for a whole compilation (one instance per
/// compilation start, shared by the analyzers' callbacks):
/// <list type="bullet">
/// <item>declared lending: the parameter carries <c>[Lends]</c>;</item>
/// <item>inferred lending: a method of this compilation lends the parameter and gives it back through its result
/// (<c>=&gt; file.ReadAtAsync(buf, 0).AsTask()</c>), which needs no <c>[Lends]</c> (UR0007), yet its callers' buffer is
/// lent until they take it back, as with the operation itself;</item>
/// <item>consumed: a <c>[Lends]</c> parameter of a method whose result carries no buffer, which the method disposes or
/// returns to a pool: the helper took the buffer over, so the caller's variable is not usable after awaiting it.</item>
/// </list>
/// </summary>
internal sealed class LendingFacts
{
    [System.ThreadStatic]
    private static HashSet<IMethodSymbol>? s_inProgress;

    private readonly Compilation? _compilation;
    private readonly ConcurrentDictionary<ITypeSymbol, bool> _carriesBuffer = new ConcurrentDictionary<ITypeSymbol, bool>(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IMethodSymbol, MethodFacts> _methods = new ConcurrentDictionary<IMethodSymbol, MethodFacts>(SymbolEqualityComparer.Default);

    /// <param name="compilation">The compilation whose source methods are inferred from; null for declared [Lends] only.</param>
    public LendingFacts(Compilation? compilation)
    {
        _compilation = compilation;
    }

    /// <summary>
    /// The one instance of a compilation, shared by the analyzers' compilation-start actions so that a helper's facts are
    /// computed once, not once per analyzer. The table holds the compilation weakly (the facts, which reference it, live
    /// only as long as it does), and is safe under concurrent callers (a racing factory's instance is discarded).
    /// </summary>
    public static LendingFacts For(Compilation compilation) => s_byCompilation.GetValue(compilation, c => new LendingFacts(c));

    private static readonly ConditionalWeakTable<Compilation, LendingFacts> s_byCompilation = new ConditionalWeakTable<Compilation, LendingFacts>();

    /// <summary>Declared <c>[Lends]</c> only, for callers without a compilation.</summary>
    public static LendingFacts DeclaredOnly { get; } = new LendingFacts(null);

    /// <summary>
    /// Not cached: the compiler keeps a symbol's attributes, so reading them is a few loads, while a shared dictionary
    /// keyed by symbol cost more than the question (hashing, and locks taken for every new parameter under concurrent
    /// analysis: a fifth of UringSafe's time on a project of mostly plain methods, bench/analyzer-cost/sdk.sh).
    /// </summary>
    public bool IsDeclaredLending(IParameterSymbol? parameter) => LendingModel.HasLendsAttribute(parameter);

    /// <summary>Declared [Lends], or inferred: lent by the method's body and given back through its result.</summary>
    public bool IsLendingParameter(IParameterSymbol? parameter)
    {
        if (parameter == null)
        {
            return false;
        }

        if (IsDeclaredLending(parameter))
        {
            return true;
        }

        return parameter.ContainingSymbol is IMethodSymbol method && FactsOf(method).LentAndReturned.Contains(parameter.Ordinal);
    }

    /// <summary>A [Lends] parameter the method disposes or returns to a pool (and gives nothing back for).</summary>
    public bool ConsumesParameter(IParameterSymbol parameter) =>
        parameter.ContainingSymbol is IMethodSymbol method && FactsOf(method).Consumed.Contains(parameter.Ordinal);

    /// <summary><see cref="LendingModel.ResultCarriesBuffer"/>, once per type.</summary>
    public bool ResultCarriesBuffer(ITypeSymbol? type) =>
        type != null && _carriesBuffer.GetOrAdd(type, LendingModel.ResultCarriesBuffer);

    private bool HasDeclaredLending(IMethodSymbol method)
    {
        foreach (var parameter in method.Parameters)
        {
            if (IsDeclaredLending(parameter))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the calls a foreach makes (GetEnumerator, an extension with <c>[Lends]</c> on its collection, and
    /// MoveNext, Dispose) lend: they are invocations in the control flow graph, not in the operation tree, so the
    /// dataflow sees a loan there that no walk over the tree does.
    /// </summary>
    public bool IsLendingForEach(IForEachLoopOperation loop)
    {
        var collection = loop.Collection is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : loop.Collection;
        if (!loop.IsAsynchronous && (collection.Type is IArrayTypeSymbol || collection.Type?.SpecialType == SpecialType.System_String))
        {
            // An array or a string is enumerated by the compiler itself: no GetEnumerator, MoveNext or Dispose is called.
            return false;
        }

        if (!(loop.Syntax is CommonForEachStatementSyntax syntax) || loop.SemanticModel == null)
        {
            return true;
        }

        var info = loop.SemanticModel.GetForEachStatementInfo(syntax);
        foreach (var method in new[] { info.GetEnumeratorMethod, info.MoveNextMethod, info.DisposeMethod })
        {
            if (method == null)
            {
                continue;
            }

            foreach (var parameter in (method.ReducedFrom ?? method).Parameters)
            {
                if (IsLendingParameter(parameter))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public bool IsLendingInvocation(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (IsLendingParameter(argument.Parameter))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The argument values passed to lending parameters. Asked for every lending call by several analyzers, and a call
    /// lends one value as a rule: that case allocates one single-element array (a builder cost three allocations and a
    /// copy, a sixth of UringSafe's sampled time on the all-lending project, bench/analyzer-cost/sdk.sh).
    /// </summary>
    public ImmutableArray<IOperation> GetLentValues(IInvocationOperation invocation)
    {
        var arguments = invocation.Arguments;
        IOperation? first = null;
        for (var i = 0; i < arguments.Length; i++)
        {
            if (!IsLendingParameter(arguments[i].Parameter))
            {
                continue;
            }

            if (first != null)
            {
                return LentValuesFrom(arguments, i, first);
            }

            first = arguments[i].Value;
        }

        return first == null ? ImmutableArray<IOperation>.Empty : ImmutableArray.Create(first);
    }

    /// <summary>The rare call that lends more than one value: <paramref name="first"/>, then the lent ones from <paramref name="second"/> on.</summary>
    private ImmutableArray<IOperation> LentValuesFrom(ImmutableArray<IArgumentOperation> arguments, int second, IOperation first)
    {
        var builder = ImmutableArray.CreateBuilder<IOperation>();
        builder.Add(first);
        for (var i = second; i < arguments.Length; i++)
        {
            if (i == second || IsLendingParameter(arguments[i].Parameter))
            {
                builder.Add(arguments[i].Value);
            }
        }

        return builder.ToImmutable();
    }

    private MethodFacts FactsOf(IMethodSymbol method)
    {
        method = method.OriginalDefinition;
        if (_compilation == null || method.DeclaringSyntaxReferences.IsEmpty || method.Parameters.IsEmpty)
        {
            return MethodFacts.None;
        }

        // The cheap exit, before any body is read: only a result that carries a buffer can give one back, and only a
        // declared [Lends] parameter can be consumed. Most methods have neither.
        if (!ResultCarriesBuffer(LendingModel.AwaitedType(method.ReturnType)) && !HasDeclaredLending(method))
        {
            return MethodFacts.None;
        }

        if (_methods.TryGetValue(method, out var facts))
        {
            return facts;
        }

        // A recursive helper (or two calling each other) sees itself as lending nothing while it is being computed.
        // No lock: two threads may compute the same method; the first result is kept.
        var inProgress = s_inProgress ??= new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        if (!inProgress.Add(method))
        {
            return MethodFacts.None;
        }

        try
        {
            facts = Compute(method);
        }
        finally
        {
            inProgress.Remove(method);
        }

        return _methods.GetOrAdd(method, facts);
    }

    private MethodFacts Compute(IMethodSymbol method)
    {
        var bodies = new List<IOperation>();
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            var syntax = reference.GetSyntax();
            if (!_compilation!.ContainsSyntaxTree(syntax.SyntaxTree))
            {
                continue;
            }

#pragma warning disable RS1030 // The facts of a helper declared in another file need its tree's model; computed once per method and cached.
            var model = _compilation.GetSemanticModel(syntax.SyntaxTree);
#pragma warning restore RS1030
            if (model.GetOperation(syntax) is { } body)
            {
                bodies.Add(body);
            }
        }

        if (bodies.Count == 0)
        {
            return MethodFacts.None;
        }

        var lentAndReturned = new HashSet<int>();
        var lending = ParameterLending.Of(this, bodies);
        foreach (var parameter in lending.Returned)
        {
            if (SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method))
            {
                lentAndReturned.Add(parameter.Ordinal);
            }
        }

        var consumed = new HashSet<int>();
        if (!ResultCarriesBuffer(LendingModel.AwaitedType(method.ReturnType)))
        {
            foreach (var body in bodies)
            {
                foreach (var operation in body.DescendantsAndSelf())
                {
                    if (ConsumedParameter(operation) is { } parameter
                        && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method)
                        && IsDeclaredLending(parameter))
                    {
                        consumed.Add(parameter.Ordinal);
                    }
                }
            }
        }

        return lentAndReturned.Count == 0 && consumed.Count == 0 ? MethodFacts.None : new MethodFacts(lentAndReturned, consumed);
    }

    /// <summary>The parameter that <c>p.Dispose()</c>, <c>using (p)</c> or <c>pool.Return(p)</c> gives away.</summary>
    private static IParameterSymbol? ConsumedParameter(IOperation operation)
    {
        switch (operation)
        {
            case IInvocationOperation dispose when dispose.TargetMethod.Name == "Dispose" && dispose.Arguments.IsEmpty && dispose.Instance != null:
                return ParameterOf(dispose.Instance);
            case IInvocationOperation giveBack when giveBack.TargetMethod.Name == "Return" && giveBack.Arguments.Length >= 1:
                return ParameterOf(giveBack.Arguments[0].Value);
            case IUsingOperation @using:
                return ParameterOf(@using.Resources);
            case IConditionalAccessOperation conditional when conditional.WhenNotNull is IInvocationOperation { TargetMethod.Name: "Dispose" }:
                return ParameterOf(conditional.Operation);
            default:
                return null;
        }

        static IParameterSymbol? ParameterOf(IOperation value)
        {
            value = LendingModel.StripConversions(value);
            if (value is IConditionalAccessInstanceOperation)
            {
                return null;
            }

            return value is IParameterReferenceOperation reference ? reference.Parameter : null;
        }
    }

    private sealed class MethodFacts
    {
        public static readonly MethodFacts None = new MethodFacts(new HashSet<int>(), new HashSet<int>());

        public MethodFacts(HashSet<int> lentAndReturned, HashSet<int> consumed)
        {
            LentAndReturned = lentAndReturned;
            Consumed = consumed;
        }

        /// <summary>Ordinals of parameters lent by the body and given back through the result.</summary>
        public HashSet<int> LentAndReturned { get; }

        /// <summary>Ordinals of [Lends] parameters the body disposes or returns to a pool.</summary>
        public HashSet<int> Consumed { get; }
    }
}
