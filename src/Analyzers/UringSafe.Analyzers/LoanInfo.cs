using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace UringSafe.Analyzers;

/// <summary>What one loan (a lending call site, or a call that starts a delegate) does, fixed for the whole fixpoint.</summary>
internal sealed class LoanInfo
{
    /// <summary>Nothing is taken back from the result (raw memory, views of a location): completing the operation releases the location.</summary>
    public bool ReleasedAtCompletion { get; set; }

    public PointerOrigin? Origin { get; set; }

    /// <summary>For a delegate started by a call returning a task: the outer locations it reads while it may run.</summary>
    public List<(AccessPath Path, SyntaxNode Syntax)>? Running { get; set; }

    /// <summary>The [Lends] helper that disposes the buffer or returns it to a pool, which nothing gives back.</summary>
    public string? ConsumedBy { get; set; }

    public SyntaxNode? OriginSyntax { get; set; }
}
