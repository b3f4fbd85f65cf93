using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers;

/// <summary>Use checks: reporting reads and writes of locations that are lent, or aliases of them.</summary>
internal sealed partial class OwnershipDataflow
{
    private void Use(AccessPath path, SyntaxNode syntax)
    {
        if (!_reporting)
        {
            return;
        }

        if (_state.StatusOf(path) != LoanFlags.None)
        {
            ReportUsedWhileLent(path, syntax);
            return;
        }

        foreach (var alias in _state.AliasesOf(path))
        {
            if (EffectiveStatus(alias) != LoanFlags.None)
            {
                Report(DiagnosticDescriptors.UR0006_AliasOfLentBufferUsed, syntax, path.ToString(), alias.ToString());
                return;
            }
        }
    }

    /// <summary>The status of a location, counting loans of the locations that contain it.</summary>
    private LoanFlags EffectiveStatus(AccessPath path)
    {
        var flags = LoanFlags.None;
        for (var length = 1; length <= path.Length; length++)
        {
            flags |= _state.StatusOf(path.Prefix(length));
        }

        return flags;
    }

    private void ReportUsedWhileLent(AccessPath path, SyntaxNode syntax)
    {
        var status = _state.StatusOf(path);
        Location? takeBackAt = null;
        if ((status & LoanFlags.InFlight) == 0)
        {
            foreach (var loan in _state.LoansOf(path))
            {
                if (_state.Loans.TryGetValue(loan, out var flags) && (flags & LoanFlags.AwaitedNotReturned) != 0)
                {
                    takeBackAt = FindDroppedAwait(loan);
                    if (takeBackAt != null)
                    {
                        break;
                    }
                }
            }
        }

        var onExceptionPath = IsLentOnlyOnExceptionPath(path);
        var consumedBy = ConsumedBy(path);
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
    private string? ConsumedBy(AccessPath path)
    {
        foreach (var loan in _state.LoansOf(path))
        {
            if (_state.Loans.TryGetValue(loan, out var flags) && (flags & LoanFlags.AwaitedNotReturned) != 0
                && _loanInfo.TryGetValue(loan, out var info) && info.ConsumedBy != null)
            {
                return info.ConsumedBy;
            }
        }

        return null;
    }

    /// <summary>Whether every loan that may hold the location holds it only because an exception left its operation's try region.</summary>
    private bool IsLentOnlyOnExceptionPath(AccessPath path)
    {
        var any = false;
        foreach (var loan in _state.LoansOf(path))
        {
            if (_state.Loans.TryGetValue(loan, out var flags) && flags != LoanFlags.None)
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

    private void Report(DiagnosticDescriptor descriptor, SyntaxNode syntax, params object[] arguments) =>
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
