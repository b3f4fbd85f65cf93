using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace UringSafe.Analyzers
{
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
            for (var length = 1; length <= path.Symbols.Length; length++)
            {
                var prefix = length == path.Symbols.Length ? path : new AccessPath(path.Symbols.RemoveRange(length, path.Symbols.Length - length));
                flags |= _state.StatusOf(prefix);
            }

            return flags;
        }

        private void ReportUsedWhileLent(AccessPath path, SyntaxNode syntax)
        {
            var status = _state.StatusOf(path);
            Location? takeBackAt = null;
            if ((status & LoanFlags.InFlight) == 0 && _state.PathLoans.TryGetValue(path, out var loans))
            {
                foreach (var loan in loans)
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

            if (takeBackAt != null)
            {
                var properties = ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.TakeBackProperty, "true");
                Report(DiagnosticDescriptors.UR0001_BufferUsedWhileLent, syntax, new[] { takeBackAt }, properties, path.ToString());
            }
            else
            {
                Report(DiagnosticDescriptors.UR0001_BufferUsedWhileLent, syntax, path.ToString());
            }
        }

        /// <summary>The await of the lending call when its result (and so the buffer) is dropped there.</summary>
        private static Location? FindDroppedAwait(IOperation loan)
        {
            var model = loan.SemanticModel;
            if (model == null || !(model.GetOperation(loan.Syntax) is IInvocationOperation original))
            {
                return null;
            }

            var consumption = LendingModel.Classify(original, out var completion);
            return consumption == TaskConsumption.AwaitedDropped && completion is IAwaitOperation
                ? completion.Syntax.GetLocation()
                : null;
        }

        private void Report(DiagnosticDescriptor descriptor, SyntaxNode syntax, params object[] arguments) =>
            Report(descriptor, syntax, null, null, arguments);

        private void Report(DiagnosticDescriptor descriptor, SyntaxNode syntax, IEnumerable<Location>? additionalLocations, ImmutableDictionary<string, string?>? properties, params object[] arguments)
        {
            var location = syntax.GetLocation();
            var key = descriptor.Id + "@" + location.SourceSpan.Start + ":" + location.SourceSpan.Length + ":" + location.SourceTree?.FilePath;
            if (!_reported.Add(key))
            {
                return;
            }

            _report(Diagnostic.Create(descriptor, location, additionalLocations, properties, arguments));
        }
    }
}
