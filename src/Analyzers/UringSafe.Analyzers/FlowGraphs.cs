using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace UringSafe.Analyzers;

/// <summary>Walks over a control flow graph's basic blocks: their operations (branch value included) and their normal successors.</summary>
internal static class FlowGraphs
{
    public static IEnumerable<IOperation> Operations(BasicBlock block)
    {
        foreach (var operation in block.Operations)
        {
            yield return operation;
        }

        if (block.BranchValue != null)
        {
            yield return block.BranchValue;
        }
    }

    public static IEnumerable<ControlFlowBranch> Successors(BasicBlock block)
    {
        if (block.FallThroughSuccessor?.Destination != null)
        {
            yield return block.FallThroughSuccessor;
        }

        if (block.ConditionalSuccessor?.Destination != null)
        {
            yield return block.ConditionalSuccessor;
        }
    }
}
