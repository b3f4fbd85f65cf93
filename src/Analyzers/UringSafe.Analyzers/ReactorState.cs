using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace UringSafe.Analyzers;

/// <summary>
/// What UR0008's dataflow knows at a program point: whether the code is certainly on a reactor thread, and which
/// task variables are certainly complete (awaited, or tested with <c>IsCompleted</c>). A must-analysis: merging two
/// paths keeps only what holds on both.
/// </summary>
internal sealed class ReactorState
{
    private static readonly ImmutableHashSet<ISymbol> NoneCompleted = ImmutableHashSet.Create<ISymbol>(SymbolEqualityComparer.Default);

    private ReactorState(bool onReactor, ImmutableHashSet<ISymbol> completed, ImmutableHashSet<ISymbol> pendingOperations)
    {
        OnReactor = onReactor;
        Completed = completed;
        PendingOperations = pendingOperations;
    }

    /// <summary>True when the code certainly runs on a reactor thread.</summary>
    public bool OnReactor { get; }

    /// <summary>Locals and parameters holding tasks known to be complete (for an array: every element).</summary>
    public ImmutableHashSet<ISymbol> Completed { get; }

    /// <summary>Locals holding the task of a UringSafe operation started here: blocking on one waits forever.</summary>
    public ImmutableHashSet<ISymbol> PendingOperations { get; }

    public static ReactorState Entry(bool onReactor) => new ReactorState(onReactor, NoneCompleted, NoneCompleted);

    public ReactorState WithOnReactor(bool onReactor) => onReactor == OnReactor ? this : new ReactorState(onReactor, Completed, PendingOperations);

    public ReactorState WithCompleted(ISymbol symbol) => Completed.Contains(symbol) ? this : new ReactorState(OnReactor, Completed.Add(symbol), PendingOperations);

    public ReactorState WithoutCompleted(ISymbol symbol) =>
        Completed.Contains(symbol) || PendingOperations.Contains(symbol)
            ? new ReactorState(OnReactor, Completed.Remove(symbol), PendingOperations.Remove(symbol))
            : this;

    public ReactorState WithPendingOperation(ISymbol symbol) =>
        PendingOperations.Contains(symbol) ? this : new ReactorState(OnReactor, Completed, PendingOperations.Add(symbol));

    /// <summary>What holds on both paths; null stands for a path not reached yet.</summary>
    public static ReactorState? Meet(ReactorState? a, ReactorState? b)
    {
        if (a == null)
        {
            return b;
        }

        if (b == null || ReferenceEquals(a, b))
        {
            return a;
        }

        return new ReactorState(a.OnReactor && b.OnReactor, a.Completed.Intersect(b.Completed), a.PendingOperations.Intersect(b.PendingOperations));
    }

    public bool SameAs(ReactorState? other) =>
        other != null && other.OnReactor == OnReactor && other.Completed.SetEquals(Completed) && other.PendingOperations.SetEquals(PendingOperations);
}
