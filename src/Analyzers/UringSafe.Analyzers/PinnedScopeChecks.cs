using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace UringSafe.Analyzers;

/// <summary>UR0005: stack memory and memory pinned by a fixed statement must not go out of scope while a loan of it is in flight.</summary>
internal sealed class PinnedScopeChecks
{
    private readonly Dictionary<IOperation, LoanInfo> _loans;
    private readonly OwnershipUseChecks _uses;

    public PinnedScopeChecks(Dictionary<IOperation, LoanInfo> loans, OwnershipUseChecks uses)
    {
        _loans = loans;
        _uses = uses;
    }

    /// <summary>UR0005 for a loan of fixed-pinned memory still in flight when its fixed statement's region is left.</summary>
    public void CheckLeavingRegions(ControlFlowBranch branch, OwnershipState state)
    {
        foreach (var region in branch.LeavingRegions)
        {
            foreach (var local in region.Locals)
            {
                if (!local.IsFixed)
                {
                    continue;
                }

                foreach (var pair in state.Loans)
                {
                    if ((pair.Value & LoanFlags.InFlight) != 0
                        && _loans.TryGetValue(pair.Key, out var info)
                        && info.Origin?.FixedLocal != null
                        && SymbolEqualityComparer.Default.Equals(info.Origin.FixedLocal, local))
                    {
                        _uses.Report(DiagnosticDescriptors.UR0005_MemoryNotPinned, info.OriginSyntax!, info.OriginSyntax!.ToString(), "fixed-pinned");
                    }
                }
            }
        }
    }

    /// <summary>UR0005 for a loan of stack or fixed-pinned memory still in flight when the function returns.</summary>
    public void CheckStackLoansAtExit(OwnershipState state)
    {
        foreach (var pair in state.Loans)
        {
            if ((pair.Value & LoanFlags.InFlight) != 0
                && _loans.TryGetValue(pair.Key, out var info)
                && info.Origin != null)
            {
                var kind = info.Origin.FixedLocal == null ? "stack" : "fixed-pinned";
                _uses.Report(DiagnosticDescriptors.UR0005_MemoryNotPinned, info.OriginSyntax!, info.OriginSyntax!.ToString(), kind);
            }
        }
    }
}
