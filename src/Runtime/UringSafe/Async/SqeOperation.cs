using UringSafe.Abi;
using UringSafe.Async;

namespace UringSafe.Async;

/// <summary>
/// An operation that lends no buffer: a ready SQE plus the pinned memory it points at (a path, a statx buffer),
/// kept alive until the final completion. Its result is the kernel's non-negative result.
/// </summary>
internal readonly struct SqeOperation(Sqe sqe, object? keepAlive) : IUringOperation<int>
{
    private readonly object? _keepAlive = keepAlive;

    public void Prepare(ref Sqe target, in OperationContext context) => target = sqe;

    public int Complete(int result, CqeFlags flags)
    {
        GC.KeepAlive(_keepAlive);
        return result;
    }

    public object? Release(int result) => null;
}
