using System;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace UringSafe.Analyzers;

/// <summary>
/// Which continuation each finally region enclosing a block resumes to, innermost last: a normal branch that
/// leaves try regions runs their finally blocks (<see cref="ControlFlowBranch.FinallyRegions"/>, innermost first)
/// and then goes to its destination; an exception runs them and keeps propagating. Keeping the contexts apart
/// lets each continuation get the state the finally ends with on that path, without the exceptional states.
/// </summary>
internal sealed class FinallyContext : IEquatable<FinallyContext>
{
    public static readonly FinallyContext Root = new FinallyContext(null, null, 0);

    private readonly int _hashCode;

    private FinallyContext(FinallyContext? parent, ControlFlowBranch? branch, int index)
    {
        Parent = parent;
        Branch = branch;
        Index = index;
        Depth = parent == null ? 0 : parent.Depth + 1;
        _hashCode = parent == null
            ? 0
            : unchecked((parent._hashCode * 31 + (branch == null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(branch))) * 31 + index);
    }

    /// <summary>The context of the code around the finally region; null for <see cref="Root"/>.</summary>
    public FinallyContext? Parent { get; }

    /// <summary>The normal branch the finally region runs for, or null when it runs for an exception.</summary>
    public ControlFlowBranch? Branch { get; }

    /// <summary>The finally region's index in the branch's <see cref="ControlFlowBranch.FinallyRegions"/>.</summary>
    public int Index { get; }

    public int Depth { get; }

    public FinallyContext Push(ControlFlowBranch? branch, int index) => new FinallyContext(this, branch, index);

    public FinallyContext Truncate(int depth)
    {
        var context = this;
        while (context.Depth > depth && context.Parent != null)
        {
            context = context.Parent;
        }

        return context;
    }

    public bool Equals(FinallyContext? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return other != null
            && _hashCode == other._hashCode
            && Depth == other.Depth
            && Index == other.Index
            && ReferenceEquals(Branch, other.Branch)
            && Equals(Parent, other.Parent);
    }

    public override bool Equals(object? obj) => Equals(obj as FinallyContext);

    public override int GetHashCode() => _hashCode;
}
