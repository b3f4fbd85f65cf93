using System.Runtime.CompilerServices;
using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Raw.Ops;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Async;

/// <summary>
/// The submit path fills each SQE in place in the submission queue and queues it only once prepared
/// (UringReactor.TrySubmit): a Prepare that throws leaves nothing queued, and a Prepare that tries to start another
/// operation is refused instead of writing into the entry being filled.
/// </summary>
public class InPlaceSubmitTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    /// <summary>Fills part of the SQE, then throws: the entry must not be queued half-written.</summary>
    private readonly struct ThrowingPrepare : IUringOperation<int>
    {
        public void Prepare(ref Sqe sqe, in OperationContext context)
        {
            new Nop().UserData(0xBAD).WriteTo(ref sqe);
            throw new ArgumentException("invalid argument");
        }

        public int Complete(int result, CqeFlags flags) => result;
        public object? Release(int result) => null;
    }

    /// <summary>Starts another operation from inside its Prepare.</summary>
    private readonly struct NestingPrepare(StrongBox<Exception?> nested) : IUringOperation<int>
    {
        public void Prepare(ref Sqe sqe, in OperationContext context)
        {
            try
            {
                _ = NopOperation.Run();
            }
            catch (Exception e)
            {
                nested.Value = e;
            }
            new Nop().WriteTo(ref sqe);
        }

        public int Complete(int result, CqeFlags flags) => result;
        public object? Release(int result) => null;
    }

    [Fact]
    public void A_Prepare_that_throws_queues_nothing_and_the_next_operation_completes()
    {
        Watchdog.Run(nameof(A_Prepare_that_throws_queues_nothing_and_the_next_operation_completes), async () =>
        {
            UringReactor reactor = UringReactor.Current;
            for (int i = 0; i < 3; i++)
                Assert.Throws<ArgumentException>(() => reactor.Execute<ThrowingPrepare, int>(default));
            Assert.Equal(0, reactor.InFlight);
            Task<int> nop = NopOperation.Run().AsTask();
            Assert.True(await Watchdog.FinishesWithin(nop, Bound), "the NOP after the failed Prepares never completed");
            Assert.Equal(0, await nop);
            Assert.Equal(0, reactor.InFlight);
        });
    }

    [Fact]
    public void A_Prepare_that_starts_another_operation_is_refused_and_its_own_operation_completes()
    {
        Watchdog.Run(nameof(A_Prepare_that_starts_another_operation_is_refused_and_its_own_operation_completes), async () =>
        {
            UringReactor reactor = UringReactor.Current;
            var nested = new StrongBox<Exception?>();
            Task<int> outer = reactor.Execute<NestingPrepare, int>(new NestingPrepare(nested)).AsTask();
            Assert.IsType<InvalidOperationException>(nested.Value);
            Assert.True(await Watchdog.FinishesWithin(outer, Bound), "the outer operation never completed");
            Assert.Equal(0, await outer);
            Assert.Equal(0, reactor.InFlight);
        });
    }
}
