namespace UringSafe.Generators;

/// <summary>The runtime names the <c>[UringOperation]</c> generator and its analyzer rely on.</summary>
internal static class OperationKnownNames
{
    public const string UringOperationAttributeMetadataName = "UringSafe.Async.UringOperationAttribute";
    public const string FillsBufferNamedArgument = "FillsBuffer";
    public const string ErrorMapperNamedArgument = "ErrorMapper";
    public const string TransfersAllNamedArgument = "TransfersAll";
    public const string TimeoutParameterName = "timeout";

    public const string AsyncNamespace = "UringSafe.Async";
    public const string BuffersNamespace = "UringSafe.Buffers";
    public const string AbiNamespace = "UringSafe.Abi";

    public const string LendsAttributeNamespace = "UringSafe";
    public const string LendsAttributeName = "LendsAttribute";
    public const string IoBufferName = "IoBuffer";
    public const string NetNamespace = "UringSafe.Net";
    public const string ReceivedBufferName = "ReceivedBuffer";
    public const string IoResultName = "IoResult";
    public const string LentRegionName = "LentRegion";
    public const string OperationContextName = "OperationContext";
    public const string SqeName = "Sqe";

    public const string ReactorType = "global::UringSafe.Async.UringReactor";
    public const string SharedFdOwnerName = "ISharedFdOwner";
    public const string SharedFdOwnerNamespace = "UringSafe.Async";
    public const string SharedFdOwnerType = "global::UringSafe.Async.ISharedFdOwner";
    public const string OperationInterface = "global::UringSafe.Async.IUringOperation";
    public const string OperationContextType = "global::UringSafe.Async.OperationContext";
    public const string LendingType = "global::UringSafe.Buffers.BufferLending";
    public const string ReceivedBufferLendingType = "global::UringSafe.Net.ReceivedBufferLending";
    public const string ResubmittingInterface = "global::UringSafe.Async.IResubmittingOperation";
    public const string UringExceptionType = "global::UringSafe.UringException";
    public const string LeaseType = "global::UringSafe.Buffers.BufferLease";
    public const string IoResultType = "global::UringSafe.Buffers.IoResult";
    public const string SqeType = "global::UringSafe.Abi.Sqe";
    public const string CqeFlagsType = "global::UringSafe.Abi.CqeFlags";

    /// <summary>Fields of the generated operation struct; a parameter field never takes these names.</summary>
    public const string OwnerField = "__owner";
    public const string LeaseField = "__lease";
    public const string ProgressField = "__progress";
}
