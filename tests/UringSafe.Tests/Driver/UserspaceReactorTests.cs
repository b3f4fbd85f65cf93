using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Driver;
using UringSafe.Raw.Ops;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Driver;

/// <summary>The userspace ring under a reactor, and between rings: the driver a reactor runs, its typed errors, messages.</summary>
public class UserspaceReactorTests
{
    [Fact]
    public async Task A_message_reaches_another_userspace_ring_and_wakes_it()
    {
        using var sender = new UserspaceRingHarness();
        using var target = new UserspaceRingHarness();
        var waiter = Task.Run(() => target.Expect(0xABC, TimeSpan.FromSeconds(5)));
        Thread.Sleep(50); // the target sleeps in epoll_wait
        sender.Submit(new MsgRing(target.Ring.RingFd, 7, 0xABC).UserData(1).Build());
        Assert.Equal(0, sender.Expect(1).Result);
        Assert.True(await Task.WhenAny(waiter, Task.Delay(TimeSpan.FromSeconds(10))) == waiter, "Watchdog: the target ring was not woken");
        Assert.Equal(7, (await waiter).Result);
    }

    [Fact]
    public void A_reactor_on_the_userspace_ring_says_so_and_its_raw_ring_is_a_typed_error()
    {
        Watchdog.Run("userspace reactor", async () =>
        {
            UringReactor reactor = UringReactor.Current;
            Assert.Equal(ReactorDriver.UserspaceRing, reactor.Driver);
            var error = Assert.Throws<KernelRingRequiredException>(() => reactor.Ring);
            Assert.Contains("userspace ring", error.Message);
            Assert.Equal(0, await NopOperation.Run());
            await reactor.Delay(TimeSpan.FromMilliseconds(5));
            var unsupported = await Assert.ThrowsAsync<OperationNotSupportedException>(
                async () => await reactor.Execute<UnsupportedOperation, int>(default));
            Assert.Equal(ReactorDriver.UserspaceRing, unsupported.Driver);
        }, new ReactorOptions { Driver = ReactorDriver.UserspaceRing });
    }

    [Fact]
    public void The_environment_names_a_driver_or_fails_with_the_choices()
    {
        Assert.Equal(ReactorDriver.Auto, DriverVariable.Parse(null));
        Assert.Equal(ReactorDriver.KernelRing, DriverVariable.Parse("kernel"));
        Assert.Equal(ReactorDriver.UserspaceRing, DriverVariable.Parse(" Userspace "));
        var e = Assert.Throws<InvalidOperationException>(() => DriverVariable.Parse("epoll"));
        Assert.Contains("auto, kernel or userspace", e.Message);
        // An explicit option is never overridden by the environment.
        Assert.Equal(ReactorDriver.KernelRing, DriverSelection.Requested(new ReactorOptions { Driver = ReactorDriver.KernelRing }));
    }

    private readonly struct UnsupportedOperation : IUringOperation<int>
    {
        public void Prepare(ref Sqe sqe, in OperationContext context) => new FilesUpdate(0, 0, 0).WriteTo(ref sqe);
        public int Complete(int result, CqeFlags flags) => result;
        public object? Release(int result) => null;
    }
}
