using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace UringSafe.Analyzers;

/// <summary>
/// Collects the ownership diagnostics of one method so that one use gets one diagnostic: a location visited in
/// several states (finally regions run for several paths) keeps only the strongest finding, a buffer lent twice
/// over a use while lent, a use while lent over the use of an alias. UR0005 (memory going out of scope) is about
/// the memory, not the use, and is kept apart.
/// </summary>
internal sealed class OwnershipDiagnostics
{
    private readonly Dictionary<string, (Diagnostic Diagnostic, int Rank)> _byLocation = new Dictionary<string, (Diagnostic, int)>();
    private readonly List<string> _order = new List<string>();

    /// <summary>Keeps <paramref name="diagnostic"/> unless the same location already has one at least as strong.</summary>
    public void Add(Diagnostic diagnostic, int rank)
    {
        var location = diagnostic.Location;
        var family = diagnostic.Id == RuleIds.MemoryNotPinned ? diagnostic.Id : "use";
        var key = family + "@" + location.SourceSpan.Start + ":" + location.SourceSpan.Length + ":" + location.SourceTree?.FilePath;
        if (_byLocation.TryGetValue(key, out var existing))
        {
            if (existing.Rank >= rank)
            {
                return;
            }
        }
        else
        {
            _order.Add(key);
        }

        _byLocation[key] = (diagnostic, rank);
    }

    /// <summary>The kept diagnostics, in the order their locations were first found.</summary>
    public IEnumerable<Diagnostic> InOrder()
    {
        foreach (var key in _order)
        {
            yield return _byLocation[key].Diagnostic;
        }
    }
}
