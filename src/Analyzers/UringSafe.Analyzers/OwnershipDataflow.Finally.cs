using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>Finally handling: which handlers an exception reaches, and the contexts that keep the continuations of finally regions apart.</summary>
internal sealed partial class OwnershipDataflow
{
    /// <summary>First blocks of every catch, filter and finally handler that an exception raised in this block can reach.</summary>
    private static List<(BasicBlock Entry, bool IsFinally)> HandlerEntries(BasicBlock block, ImmutableArray<BasicBlock> blocks)
    {
        var result = new List<(BasicBlock, bool)>();
        for (var region = block.EnclosingRegion; region != null && region.Kind != ControlFlowRegionKind.Root; region = region.EnclosingRegion)
        {
            if (region.Kind != ControlFlowRegionKind.Try || region.EnclosingRegion == null)
            {
                continue;
            }

            var caughtAll = false;
            foreach (var sibling in region.EnclosingRegion.NestedRegions)
            {
                if (sibling != region)
                {
                    result.Add((blocks[sibling.FirstBlockOrdinal], sibling.Kind == ControlFlowRegionKind.Finally));
                    caughtAll |= IsCatchAll(sibling);
                }
            }

            if (caughtAll)
            {
                // `catch (Exception)` takes every exception: the outer handlers see only what leaves the catch.
                break;
            }
        }

        return result;
    }

    /// <summary>An unfiltered <c>catch</c>, <c>catch (Exception)</c> or <c>catch (object)</c>.</summary>
    private static bool IsCatchAll(ControlFlowRegion region) =>
        region.Kind == ControlFlowRegionKind.Catch
        && (region.ExceptionType == null
            || region.ExceptionType.SpecialType == SpecialType.System_Object
            || (region.ExceptionType.Name == "Exception" && LendingModel.IsNamespace(region.ExceptionType.ContainingNamespace, "System")));

    /// <summary>How many finally regions enclose the block.</summary>
    private static int FinallyDepth(BasicBlock block)
    {
        var depth = 0;
        for (var region = block.EnclosingRegion; region != null && region.Kind != ControlFlowRegionKind.Root; region = region.EnclosingRegion)
        {
            if (region.Kind == ControlFlowRegionKind.Finally)
            {
                depth++;
            }
        }

        return depth;
    }

    /// <summary>Whether the block ends its finally region (the branch that resumes wherever the finally was entered from).</summary>
    private static bool IsFinallyExit(BasicBlock block)
    {
        var branch = block.FallThroughSuccessor;
        if (branch == null || branch.Destination != null || branch.Semantics != ControlFlowBranchSemantics.StructuredExceptionHandling)
        {
            return false;
        }

        for (var region = block.EnclosingRegion; region != null && region.Kind != ControlFlowRegionKind.Root; region = region.EnclosingRegion)
        {
            switch (region.Kind)
            {
                case ControlFlowRegionKind.Finally:
                    return true;
                case ControlFlowRegionKind.Filter:
                case ControlFlowRegionKind.Catch:
                case ControlFlowRegionKind.Try:
                    return false;
            }
        }

        return false;
    }

    /// <summary>
    /// Which continuation each finally region enclosing a block resumes to, innermost last: a normal branch that
    /// leaves try regions runs their finally blocks (<see cref="ControlFlowBranch.FinallyRegions"/>, innermost first)
    /// and then goes to its destination; an exception runs them and keeps propagating. Keeping the contexts apart
    /// lets each continuation get the state the finally ends with on that path, without the exceptional states.
    /// </summary>
    private sealed class FinallyContext : IEquatable<FinallyContext>
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
}
