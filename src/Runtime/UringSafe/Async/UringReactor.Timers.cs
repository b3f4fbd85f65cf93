using UringSafe.Abi;
using UringSafe.Raw.Ops;

namespace UringSafe.Async;

public sealed partial class UringReactor
{
    /// <summary>Completes after <paramref name="delay"/>, using IORING_OP_TIMEOUT (no thread-pool timer).</summary>
    public ValueTask<int> Delay(TimeSpan delay, CancellationToken cancellationToken = default)
        => Execute<DelayOperation, int>(new DelayOperation(delay), cancellationToken);

    private readonly unsafe struct DelayOperation(TimeSpan delay) : IUringOperation<int>
    {
        public void Prepare(ref Sqe sqe, in OperationContext context)
        {
            // The kernel reads the timespec when the SQE is submitted; the scratch area outlives that.
            KernelTimespec* ts = context.ScratchAs<KernelTimespec>();
            *ts = KernelTimespec.From(delay);
            new UringSafe.Raw.Ops.Timeout((nint)ts).WriteTo(ref sqe);
        }

        public int Complete(int result, CqeFlags flags) => 0;

        public object? Release(int result) => null;
    }
}
