using UringSafe.Generators.Diagnostics;

namespace UringSafe.Generators;

/// <summary>UR1007: an operation that transfers all the bytes (a send-all) does not fill its buffer.</summary>
internal static class TransfersAllCheck
{
    /// <summary>True to stop.</summary>
    public static bool Run(OperationCheck check, OperationAttributeArguments arguments)
        => arguments.FillsBuffer && arguments.TransfersAll
           && check.Fail(OperationDiagnosticDescriptors.UR1007_TransfersAllFillsBuffer, check.AttributeLocation);
}
