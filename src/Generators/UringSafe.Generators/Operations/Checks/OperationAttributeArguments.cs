using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace UringSafe.Generators;

/// <summary>What <c>[UringOperation(prepare, FillsBuffer = ..., TransfersAll = ..., ErrorMapper = ...)]</c> says.</summary>
internal sealed class OperationAttributeArguments
{
    private OperationAttributeArguments(string prepareName, bool fillsBuffer, bool transfersAll, string? errorMapper)
    {
        PrepareName = prepareName;
        FillsBuffer = fillsBuffer;
        TransfersAll = transfersAll;
        ErrorMapper = errorMapper;
    }

    /// <summary>The prepare method's name ("" when none is given).</summary>
    public string PrepareName { get; }
    public bool FillsBuffer { get; }
    public bool TransfersAll { get; }

    /// <summary>The error mapper's name, or null when none is named.</summary>
    public string? ErrorMapper { get; }

    public static OperationAttributeArguments Read(AttributeData attribute)
    {
        string prepareName = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string name ? name : "";
        bool fillsBuffer = false, transfersAll = false;
        string? errorMapper = null;
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            if (named.Key == OperationKnownNames.FillsBufferNamedArgument && named.Value.Value is bool fills) fillsBuffer = fills;
            if (named.Key == OperationKnownNames.TransfersAllNamedArgument && named.Value.Value is bool all) transfersAll = all;
            if (named.Key == OperationKnownNames.ErrorMapperNamedArgument && !named.Value.IsNull && named.Value.Value is string mapper) errorMapper = mapper;
        }
        return new OperationAttributeArguments(prepareName, fillsBuffer, transfersAll, errorMapper);
    }
}
