using Microsoft.CodeAnalysis;

namespace UringSafe.Generators;

/// <summary>Why a <c>[UringOperation]</c> method cannot be generated: what <see cref="Diagnostics.UringOperationAnalyzer"/> reports.</summary>
internal sealed class OperationProblem
{
    public OperationProblem(DiagnosticDescriptor descriptor, Location? location, params string[] arguments)
    {
        Descriptor = descriptor;
        Location = location;
        Arguments = arguments;
    }

    public DiagnosticDescriptor Descriptor { get; }
    public Location? Location { get; }
    public string[] Arguments { get; }
}
