using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>Use checks: reports reads, writes and lends of locations that are lent (or whose aliases are) in a given state.</summary>
internal sealed class OwnershipUseChecks
{
    private readonly OwnershipDiagnostics _diagnostics;
    private readonly LendingFacts _facts;
    private readonly SemanticModel? _model;
    private readonly Dictionary<IOperation, LoanInfo> _loans;

    public OwnershipUseChecks(OwnershipDiagnostics diagnostics, LendingFacts facts, SemanticModel? model, Dictionary<IOperation, LoanInfo> loans)
    {
        _diagnostics = diagnostics;
        _facts = facts;
        _model = model;
        _loans = loans;
    }

    /// <summary>Reports a read or write of <paramref name="path"/> while it, or an alias of it, is lent.</summary>
    public void Use(OwnershipState state, AccessPath path, SyntaxNode syntax)
    {
        if (state.StatusOf(path) != LoanFlags.None)
        {
            ReportUsedWhileLent(state, path, syntax);
            return;
        }

        foreach (var alias in state.AliasesOf(path))
        {
            if (EffectiveStatus(state, alias) != LoanFlags.None)
            {
                Report(DiagnosticDescriptors.UR0006_AliasOfLentBufferUsed, syntax, path.ToString(), alias.ToString());
                return;
            }
        }
    }

    /// <summary>Reports a read of the members of <paramref name="path"/> (by an indexer) while one of them, or an alias of one, is lent.</summary>
    public void UseMembers(OwnershipState state, AccessPath path, SyntaxNode syntax)
    {
        foreach (var pair in state.Aliases)
        {
            if (pair.Key.Length > path.Length && pair.Key.IsWithin(path))
            {
                foreach (var alias in pair.Value)
                {
                    if (EffectiveStatus(state, alias) != LoanFlags.None)
                    {
                        Report(DiagnosticDescriptors.UR0006_AliasOfLentBufferUsed, syntax, pair.Key.ToString(), alias.ToString());
                        return;
                    }
                }
            }
        }
    }

    /// <summary>Reports lending <paramref name="path"/> while it, or an alias of it, is lent, or while a running delegate uses it.</summary>
    public void CheckLend(OwnershipState state, AccessPath path, SyntaxNode syntax, bool lentInSameCall)
    {
        CheckRunningDelegates(state, path);
        var status = EffectiveStatus(state, path);
        if ((status & LoanFlags.InFlight) != 0 || lentInSameCall)
        {
            Report(DiagnosticDescriptors.UR0004_BufferLentTwice, syntax, path.ToString());
        }
        else if ((status & LoanFlags.AwaitedNotReturned) != 0)
        {
            ReportUsedWhileLent(state, path, syntax);
        }
        else
        {
            foreach (var alias in state.AliasesOf(path))
            {
                var aliasStatus = EffectiveStatus(state, alias);
                if ((aliasStatus & LoanFlags.InFlight) != 0)
                {
                    Report(DiagnosticDescriptors.UR0004_BufferLentTwice, syntax, path.ToString());
                    break;
                }

                if (aliasStatus != LoanFlags.None)
                {
                    Report(DiagnosticDescriptors.UR0006_AliasOfLentBufferUsed, syntax, path.ToString(), alias.ToString());
                    break;
                }
            }
        }
    }

    /// <summary>Reports a delegate that may still be running and uses the lent location, or an alias of it.</summary>
    private void CheckRunningDelegates(OwnershipState state, AccessPath lentPath)
    {
        foreach (var pair in state.Loans)
        {
            if ((pair.Value & LoanFlags.InFlight) == 0 || !_loans.TryGetValue(pair.Key, out var info) || info.Running == null)
            {
                continue;
            }

            foreach (var (captured, syntax) in info.Running)
            {
                if (Overlaps(captured, lentPath))
                {
                    Report(DiagnosticDescriptors.UR0001_BufferUsedWhileLent, Rank.UsedWhileLent, syntax, null, null, new object[]
                    {
                        captured.ToString(), "", "a delegate that may still be running uses it: await the delegate's task before lending the buffer",
                    });
                    continue;
                }

                foreach (var alias in state.AliasesOf(captured))
                {
                    if (Overlaps(alias, lentPath))
                    {
                        Report(DiagnosticDescriptors.UR0006_AliasOfLentBufferUsed, syntax, captured.ToString(), lentPath.ToString());
                        break;
                    }
                }
            }
        }

        static bool Overlaps(AccessPath a, AccessPath b) => a.IsWithin(b) || b.IsWithin(a);
    }

    /// <summary>The status of a location, counting loans of the locations that contain it.</summary>
    public static LoanFlags EffectiveStatus(OwnershipState state, AccessPath path)
    {
        var flags = LoanFlags.None;
        for (var length = 1; length <= path.Length; length++)
        {
            flags |= state.StatusOf(path.Prefix(length));
        }

        return flags;
    }

    private void ReportUsedWhileLent(OwnershipState state, AccessPath path, SyntaxNode syntax)
    {
        var status = state.StatusOf(path);
        Location? takeBackAt = null;
        if ((status & LoanFlags.InFlight) == 0)
        {
            foreach (var loan in state.LoansOf(path))
            {
                if (state.Loans.TryGetValue(loan, out var flags) && (flags & LoanFlags.AwaitedNotReturned) != 0)
                {
                    takeBackAt = FindDroppedAwait(loan);
                    if (takeBackAt != null)
                    {
                        break;
                    }
                }
            }
        }

        var onExceptionPath = IsLentOnlyOnExceptionPath(state, path);
        var consumedBy = ConsumedBy(state, path);
        var arguments = new object[]
        {
            path.ToString(),
            onExceptionPath ? " on the exception path" : "",
            consumedBy != null
                ? "'" + consumedBy + "' disposes it or returns it to a pool, so it is not yours after awaiting it: pass it a buffer you do not use afterwards"
                : Advice(path, onExceptionPath),
        };
        var rank = onExceptionPath ? Rank.UsedWhileLentOnExceptionPath : Rank.UsedWhileLent;
        if (takeBackAt != null)
        {
            var properties = ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.TakeBackProperty, "true");
            Report(DiagnosticDescriptors.UR0001_BufferUsedWhileLent, rank, syntax, new[] { takeBackAt }, properties, arguments);
        }
        else
        {
            Report(DiagnosticDescriptors.UR0001_BufferUsedWhileLent, rank, syntax, null, null, arguments);
        }
    }

    /// <summary>The helper that took the location's buffer over, when a completed loan of one holds it.</summary>
    private string? ConsumedBy(OwnershipState state, AccessPath path)
    {
        foreach (var loan in state.LoansOf(path))
        {
            if (state.Loans.TryGetValue(loan, out var flags) && (flags & LoanFlags.AwaitedNotReturned) != 0
                && _loans.TryGetValue(loan, out var info) && info.ConsumedBy != null)
            {
                return info.ConsumedBy;
            }
        }

        return null;
    }

    /// <summary>Whether every loan that may hold the location holds it only because an exception left its operation's try region.</summary>
    private static bool IsLentOnlyOnExceptionPath(OwnershipState state, AccessPath path)
    {
        var any = false;
        foreach (var loan in state.LoansOf(path))
        {
            if (state.Loans.TryGetValue(loan, out var flags) && flags != LoanFlags.None)
            {
                if ((flags & LoanFlags.ExceptionPath) == 0)
                {
                    return false;
                }

                any = true;
            }
        }

        return any;
    }

    /// <summary>What to write instead: a using variable cannot be assigned (CS1656); on the exception path the buffer travels on the exception.</summary>
    private static string Advice(AccessPath path, bool onExceptionPath)
    {
        if (path.Length == 1 && path.Root is ILocalSymbol local && local.IsUsing)
        {
            return "a 'using' variable cannot take the buffer back (CS1656): declare it without 'using', take the buffer back with '(n, "
                + local.Name + ") = await ...', and dispose it once it is back";
        }

        return onExceptionPath
            ? "take it back in a catch with '" + path + " = ReturnedBuffer.From<T>(exception)' before using it"
            : "assign it from the operation's result before using it";
    }

    /// <summary>The await of the lending call when its result (and so the buffer) is dropped there.</summary>
    private Location? FindDroppedAwait(IOperation loan)
    {
        var model = loan.SemanticModel ?? _model;
        if (model == null || !(model.GetOperation(loan.Syntax) is IInvocationOperation original))
        {
            return null;
        }

        var consumption = LendingModel.Classify(original, _facts, out var completion);
        return consumption == TaskConsumption.AwaitedDropped && completion is IAwaitOperation
            ? completion.Syntax.GetLocation()
            : null;
    }

    public void Report(DiagnosticDescriptor descriptor, SyntaxNode syntax, params object[] arguments) =>
        Report(descriptor, RankOf(descriptor), syntax, null, null, arguments);

    private void Report(DiagnosticDescriptor descriptor, int rank, SyntaxNode syntax, IEnumerable<Location>? additionalLocations, ImmutableDictionary<string, string?>? properties, object[] arguments) =>
        _diagnostics.Add(Diagnostic.Create(descriptor, syntax.GetLocation(), additionalLocations, properties, arguments), rank);

    private static int RankOf(DiagnosticDescriptor descriptor) =>
        descriptor.Id == RuleIds.BufferLentTwice ? Rank.LentTwice
        : descriptor.Id == RuleIds.AliasOfLentBufferUsed ? Rank.AliasUsed
        : Rank.UsedWhileLent;

    /// <summary>Which finding a location keeps when several paths report it (higher wins).</summary>
    private static class Rank
    {
        public const int AliasUsed = 1;
        public const int UsedWhileLentOnExceptionPath = 2;
        public const int UsedWhileLent = 3;
        public const int LentTwice = 4;
    }
}
