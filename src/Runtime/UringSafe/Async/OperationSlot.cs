using UringSafe.Abi;

namespace UringSafe.Async;

/// <summary>An in-flight operation as the reactor sees it: something a completion is routed to.</summary>
internal abstract class OperationSlot
{
    /// <summary>The user_data of the current operation: generation in the high half, slot index in the low half.</summary>
    internal ulong UserData;

    /// <summary>The opcode of the current operation (for metrics and error messages).</summary>
    internal IoUringOpcode Opcode;

    /// <summary>True once ASYNC_CANCEL was submitted for it (because its token was cancelled).</summary>
    internal bool CancelRequested;

    /// <summary>A completion for this operation. <paramref name="final"/> is false while a multishot op goes on.</summary>
    internal abstract void OnCompletion(int result, CqeFlags flags, bool final);
}
