using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace UringSafe.Analyzers;

/// <summary>Where exceptions and finally regions take the flow of a control flow graph: which handlers an exception reaches, how deep in finally regions a block is, which block ends one.</summary>
internal static class ExceptionalFlow
{
    /// <summary>First blocks of every catch, filter and finally handler that an exception raised in this block can reach.</summary>
    public static List<(BasicBlock Entry, bool IsFinally)> HandlerEntries(BasicBlock block, ImmutableArray<BasicBlock> blocks)
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
    public static int FinallyDepth(BasicBlock block)
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
    public static bool IsFinallyExit(BasicBlock block)
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
}
