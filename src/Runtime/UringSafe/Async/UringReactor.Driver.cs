using UringSafe.Driver;
using UringSafe.Raw;

namespace UringSafe.Async;

public sealed partial class UringReactor
{
    /// <summary>Which driver executes this reactor's requests: the kernel's io_uring or the userspace ring.</summary>
    public ReactorDriver Driver => _driver.Kind;

    /// <summary>The reactor's ring driver (reactor thread only).</summary>
    internal RingDriver RingDriver => _driver;

    /// <summary>The reactor's kernel ring (for registration; don't submit on it directly while the reactor runs).
    /// Throws <see cref="KernelRingRequiredException"/> on the userspace ring, which has no kernel ring.</summary>
    public Ring Ring => _driver.KernelRing ?? throw new KernelRingRequiredException("UringReactor.Ring");

    private static RingDriver CreateDriver(ReactorOptions options) => DriverSelection.Create(options, CreateRing);

    /// <summary>A descriptor this reactor's operations used is about to be closed (by its one owner).</summary>
    internal void ForgetFd(int fd)
    {
        if (!_disposed && IsOnReactorThread)
            _driver.ForgetFd(fd);
    }
}
