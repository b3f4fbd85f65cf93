using UringSafe.Abi;

namespace UringSafe.Async;

/// <summary>
/// One lend-and-return operation, as a struct the reactor stores in a pooled completion source.
/// The generator emits these for <see cref="UringOperationAttribute"/> methods; they can be written by hand too.
/// </summary>
/// <typeparam name="TResult">What awaiting the operation yields.</typeparam>
public interface IUringOperation<TResult>
{
    /// <summary>Lends the operation's buffers and fills <paramref name="sqe"/> (zeroed). Runs on the reactor thread.</summary>
    void Prepare(ref Sqe sqe, in OperationContext context);

    /// <summary>The final completion arrived with a non-negative result: release the buffers and build the result.</summary>
    TResult Complete(int result, CqeFlags flags);

    /// <summary>The final completion arrived with an error (or after cancellation): release the buffers and return the
    /// buffer to hand back on the exception, or null. <paramref name="result"/> is the kernel's result.</summary>
    object? Release(int result);

    /// <summary>
    /// Builds the exception for a failed operation, or returns null for the default <see cref="UringException"/>.
    /// Called after <see cref="Release"/>, only on the error path (never for a success, a cancellation through the token
    /// or a timeout), on the reactor thread. <paramref name="errno"/> is positive; <paramref name="operation"/> is the
    /// opcode's name; <paramref name="fd"/> is the descriptor the SQE named (-1 for a registered file);
    /// <paramref name="buffer"/> is what <see cref="Release"/> returned. An operation struct that does not override it is
    /// boxed for this call, which is acceptable on an error path. Generated operations override it when
    /// <see cref="UringOperationAttribute.ErrorMapper"/> is set.
    /// </summary>
    Exception? MapError(int errno, string operation, int fd, object? buffer) => null;

    /// <summary>
    /// A positive final result arrived: return true to submit the same operation again (same lent buffer, so
    /// <see cref="Prepare"/> runs again and must not lend twice) instead of completing, after recording the progress.
    /// Called only on operations that also implement <see cref="IResubmittingOperation"/> (they implement it, so the call
    /// never boxes). Generated for <see cref="UringOperationAttribute.TransfersAll"/> operations.
    /// </summary>
    bool TryContinue(int result) => false;

    /// <summary>
    /// The lent buffer, described for the in-flight snapshot (for example "IoBuffer, 4096 B"), or null. Called from
    /// any thread, only by diagnostics (never on the hot path). Generated operations implement it.
    /// </summary>
    string? DescribeBuffer() => null;
}

/// <summary>
/// Marks an operation that implements <see cref="IUringOperation{TResult}.TryContinue"/> (a send-all), so the reactor
/// asks it after each positive result whether to submit it again.
/// </summary>
public interface IResubmittingOperation
{
}
