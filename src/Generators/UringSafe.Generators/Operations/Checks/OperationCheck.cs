using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace UringSafe.Generators;

/// <summary>
/// One <c>[UringOperation]</c> method under check, shared by the checks (one per rule). Each reason the method cannot be
/// generated goes to <see cref="Fail"/>: the analyzer collects every problem, the generator (no list) stops at the first.
/// </summary>
internal sealed class OperationCheck
{
    private readonly List<OperationProblem>? _problems;

    public OperationCheck(IMethodSymbol method, MethodDeclarationSyntax syntax, AttributeData attribute, List<OperationProblem>? problems, CancellationToken cancellationToken)
    {
        Method = method;
        Syntax = syntax;
        Attribute = attribute;
        _problems = problems;
        CancellationToken = cancellationToken;
        Display = method.ContainingType.Name + "." + method.Name;
        Identifier = syntax.Identifier.GetLocation();
    }

    public IMethodSymbol Method { get; }
    public MethodDeclarationSyntax Syntax { get; }
    public AttributeData Attribute { get; }
    public CancellationToken CancellationToken { get; }

    /// <summary>The method as messages name it: <c>Type.Method</c>.</summary>
    public string Display { get; }

    /// <summary>The method's name, where problems without a better place are reported.</summary>
    public Location Identifier { get; }

    /// <summary>The <c>[UringOperation]</c> attribute, where problems with its arguments are reported.</summary>
    public Location AttributeLocation => Attribute.ApplicationSyntaxReference?.GetSyntax(CancellationToken).GetLocation() ?? Identifier;

    /// <summary>The location of parameter <paramref name="index"/>.</summary>
    public Location ParameterLocation(int index)
        => index < Syntax.ParameterList.Parameters.Count ? Syntax.ParameterList.Parameters[index].GetLocation() : Identifier;

    /// <summary>True once any check failed.</summary>
    public bool Failed { get; private set; }

    /// <summary>Records a problem (its message's first argument is the method); true when the check should stop now.</summary>
    public bool Fail(DiagnosticDescriptor descriptor, Location? location, params string[] arguments)
    {
        Failed = true;
        var withMethod = new string[arguments.Length + 1];
        withMethod[0] = Display;
        arguments.CopyTo(withMethod, 1);
        _problems?.Add(new OperationProblem(descriptor, location, withMethod));
        return _problems is null;
    }
}
