using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace UringSafe.Analyzers;

/// <summary>The possible states of one lending (one lending call site), as a may-set.</summary>
[Flags]
internal enum LoanFlags
{
    /// <summary>Completed and taken care of (or never started on this path).</summary>
    None = 0,
    /// <summary>Started, not yet awaited: the kernel may be using the buffer.</summary>
    InFlight = 1,
    /// <summary>Awaited, but the buffer has not been assigned back from the result.</summary>
    AwaitedNotReturned = 2,
    /// <summary>Marks a state that reached a catch or finally through an exception from the protected region.</summary>
    ExceptionPath = 4,
}

/// <summary>Where the memory behind a pointer lives.</summary>
internal sealed class PointerOrigin
{
    public static readonly PointerOrigin Stack = new PointerOrigin(null);

    public PointerOrigin(ILocalSymbol? fixedLocal)
    {
        FixedLocal = fixedLocal;
    }

    /// <summary>The pointer declared by the <c>fixed</c> statement that pins the memory, or null for stack memory.</summary>
    public ILocalSymbol? FixedLocal { get; }
}

/// <summary>
/// Dataflow fact at one program point. Every component is a may-set, so the join is a union; an absent
/// location is Owned. The lattice per location is derived: Owned (no loans), Lent (some loan in flight),
/// LentAwaitedNotReturned (some loan awaited, none in flight) and MaybeLent (the join of Owned and a lent state,
/// which is reported like Lent because it is lent on at least one path).
/// </summary>
internal sealed class OwnershipState
{
    /// <summary>Operations compare by identity (their own Equals is identity too, but through a slower default comparer).</summary>
    public static readonly IEqualityComparer<IOperation> OperationComparer = ReferenceEqualityComparer.Instance;

    /// <summary>Location -> loans (lending call sites) that may currently hold it.</summary>
    public Dictionary<AccessPath, HashSet<IOperation>> PathLoans { get; } = new Dictionary<AccessPath, HashSet<IOperation>>();

    /// <summary>Loan (lending call site) -> its possible states.</summary>
    public Dictionary<IOperation, LoanFlags> Loans { get; } = new Dictionary<IOperation, LoanFlags>(OperationComparer);

    /// <summary>May-alias pairs (stored both ways): copies of a reference and values derived from it.</summary>
    public Dictionary<AccessPath, HashSet<AccessPath>> Aliases { get; } = new Dictionary<AccessPath, HashSet<AccessPath>>();

    /// <summary>Locals holding the task of a lending call -> the loans that task completes.</summary>
    public Dictionary<AccessPath, HashSet<IOperation>> TaskLoans { get; } = new Dictionary<AccessPath, HashSet<IOperation>>();

    /// <summary>Pointer locals -> where their memory lives.</summary>
    public Dictionary<AccessPath, PointerOrigin> Origins { get; } = new Dictionary<AccessPath, PointerOrigin>();

    public OwnershipState Clone()
    {
        var clone = new OwnershipState();
        foreach (var pair in PathLoans)
        {
            clone.PathLoans[pair.Key] = new HashSet<IOperation>(pair.Value, OperationComparer);
        }

        foreach (var pair in Loans)
        {
            clone.Loans[pair.Key] = pair.Value;
        }

        foreach (var pair in Aliases)
        {
            clone.Aliases[pair.Key] = new HashSet<AccessPath>(pair.Value);
        }

        foreach (var pair in TaskLoans)
        {
            clone.TaskLoans[pair.Key] = new HashSet<IOperation>(pair.Value, OperationComparer);
        }

        foreach (var pair in Origins)
        {
            clone.Origins[pair.Key] = pair.Value;
        }

        return clone;
    }

    /// <summary>
    /// Marks, in place, every loan that may be lent as lent on the exception path: for a state nothing else holds (the
    /// transfer's exceptional state, which its next transfer replaces), where a copy cost a clone of every set per block.
    /// </summary>
    public void MarkExceptionPath()
    {
        List<IOperation>? lent = null;
        foreach (var pair in Loans)
        {
            if (pair.Value != LoanFlags.None)
            {
                (lent ??= new List<IOperation>()).Add(pair.Key);
            }
        }

        if (lent == null)
        {
            return;
        }

        foreach (var loan in lent)
        {
            Loans[loan] |= LoanFlags.ExceptionPath;
        }
    }

    /// <summary>Joins <paramref name="other"/> into this state; returns true if this state grew.</summary>
    public bool JoinWith(OwnershipState other)
    {
        var changed = JoinSets(PathLoans, other.PathLoans, OperationComparer);
        foreach (var pair in other.Loans)
        {
            Loans.TryGetValue(pair.Key, out var existing);
            var merged = existing | pair.Value;
            if (merged != existing || !Loans.ContainsKey(pair.Key))
            {
                Loans[pair.Key] = merged;
                changed = true;
            }
        }

        changed |= JoinSets(Aliases, other.Aliases, EqualityComparer<AccessPath>.Default);
        changed |= JoinSets(TaskLoans, other.TaskLoans, OperationComparer);
        foreach (var pair in other.Origins)
        {
            if (!Origins.ContainsKey(pair.Key))
            {
                Origins[pair.Key] = pair.Value;
                changed = true;
            }
        }

        return changed;
    }

    private static bool JoinSets<T>(Dictionary<AccessPath, HashSet<T>> target, Dictionary<AccessPath, HashSet<T>> source, IEqualityComparer<T> comparer)
    {
        var changed = false;
        foreach (var pair in source)
        {
            if (!target.TryGetValue(pair.Key, out var set))
            {
                set = new HashSet<T>(comparer);
                target[pair.Key] = set;
                changed |= pair.Value.Count == 0;
            }

            foreach (var item in pair.Value)
            {
                changed |= set.Add(item);
            }
        }

        return changed;
    }

    /// <summary>Whether some loan may be in flight or awaited without its buffer taken back.</summary>
    public bool HasLiveLoan()
    {
        foreach (var pair in Loans)
        {
            if (pair.Value != LoanFlags.None)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The union of the states of every loan that may hold <paramref name="path"/>.</summary>
    public LoanFlags StatusOf(AccessPath path)
    {
        var flags = LoanFlags.None;
        foreach (var loan in LoansOf(path))
        {
            if (Loans.TryGetValue(loan, out var state))
            {
                flags |= state;
            }
        }

        return flags;
    }

    /// <summary>The loans that may hold the location: its own, and those of elements it may be (<c>bufs[i]</c> and <c>bufs[0]</c>).</summary>
    public IEnumerable<IOperation> LoansOf(AccessPath path)
    {
        if (PathLoans.TryGetValue(path, out var loans))
        {
            foreach (var loan in loans)
            {
                yield return loan;
            }
        }

        if (!HasElements(path))
        {
            yield break;
        }

        foreach (var pair in PathLoans)
        {
            if (!pair.Key.Equals(path) && pair.Key.MayEqual(path))
            {
                foreach (var loan in pair.Value)
                {
                    yield return loan;
                }
            }
        }

        static bool HasElements(AccessPath path)
        {
            foreach (var segment in path.Segments)
            {
                if (segment is AccessPath.Element)
                {
                    return true;
                }
            }

            return false;
        }
    }

    public IEnumerable<AccessPath> AliasesOf(AccessPath path) =>
        Aliases.TryGetValue(path, out var set) ? set : (IEnumerable<AccessPath>)Array.Empty<AccessPath>();

    /// <summary>The location (and everything inside it) gets a new value: it is owned again and forgets its aliases.</summary>
    public void Overwrite(AccessPath path)
    {
        RemoveWhere(PathLoans, path);
        RemoveWhere(TaskLoans, path);
        RemoveWhere(Origins, path);

        List<AccessPath>? removed = null;
        foreach (var key in Aliases.Keys)
        {
            if (key.IsWithin(path))
            {
                (removed ??= new List<AccessPath>()).Add(key);
            }
        }

        if (removed == null)
        {
            return;
        }

        foreach (var key in removed)
        {
            foreach (var partner in Aliases[key])
            {
                if (Aliases.TryGetValue(partner, out var back))
                {
                    back.Remove(key);
                    if (back.Count == 0)
                    {
                        Aliases.Remove(partner);
                    }
                }
            }

            Aliases.Remove(key);
        }
    }

    public void AddAlias(AccessPath a, AccessPath b)
    {
        if (a.Equals(b))
        {
            return;
        }

        Add(a, b);
        Add(b, a);

        void Add(AccessPath from, AccessPath to)
        {
            if (!Aliases.TryGetValue(from, out var set))
            {
                set = new HashSet<AccessPath>();
                Aliases[from] = set;
            }

            set.Add(to);
        }
    }

    private static void RemoveWhere<T>(Dictionary<AccessPath, T> map, AccessPath path)
    {
        List<AccessPath>? keys = null;
        foreach (var key in map.Keys)
        {
            if (key.IsWithin(path))
            {
                (keys ??= new List<AccessPath>()).Add(key);
            }
        }

        if (keys != null)
        {
            foreach (var key in keys)
            {
                map.Remove(key);
            }
        }
    }

    private sealed class ReferenceEqualityComparer : IEqualityComparer<IOperation>
    {
        public static readonly ReferenceEqualityComparer Instance = new ReferenceEqualityComparer();

        public bool Equals(IOperation? x, IOperation? y) => ReferenceEquals(x, y);

        /// <summary>
        /// The operation's syntax span and kind: a few field reads, where the identity hash (RuntimeHelpers.GetHashCode)
        /// is a call into the runtime that was a tenth of the dataflow's sampled time (every clone of a state rehashes
        /// its loans). Operations with the same syntax and kind (rare: implicit ones) only collide; equality stays identity.
        /// </summary>
        public int GetHashCode(IOperation obj)
        {
            var span = obj.Syntax.FullSpan;
            return unchecked((span.Start * 31 + span.Length) * 31 + (int)obj.Kind);
        }
    }
}
