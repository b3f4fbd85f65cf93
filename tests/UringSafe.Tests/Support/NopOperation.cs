using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Raw.Ops;

namespace UringSafe.Tests.Support;

/// <summary>An awaited NOP: the smallest operation, for reactor tests.</summary>
internal readonly struct NopOperation : IUringOperation<int>
{
    public void Prepare(ref Sqe sqe, in OperationContext context) => new Nop().WriteTo(ref sqe);
    public int Complete(int result, CqeFlags flags) => result;
    public object? Release(int result) => null;

    public static ValueTask<int> Run() => UringReactor.Current.Execute<NopOperation, int>(default);
}

/// <summary>A read of a pipe with a raw pointer (no lending), for cancellation tests of non-buffer paths.</summary>
internal readonly unsafe struct PollReadableOperation(int fd) : IUringOperation<int>
{
    public void Prepare(ref Sqe sqe, in OperationContext context) => new PollAdd(fd, 1 /* POLLIN */).WriteTo(ref sqe);
    public int Complete(int result, CqeFlags flags) => result;
    public object? Release(int result) => null;
}
