using System.Runtime.CompilerServices;
using Tmds.Linux;
using UringSafe.Raw;
using static Tmds.Linux.LibC;

namespace UringSafe.Tests.Raw;

/// <summary>
/// A Ring whose constructor throws owns no descriptor, so its finalizer must close none. It used to close its unset
/// ring fd field, 0: where io_uring_setup fails (a seccomp filter, with Auto falling back) every reactor's attempt left a
/// close(0) for the finalizer thread, which closed whatever socket or file had taken number 0 by then.
/// </summary>
public sealed unsafe class RingFailedSetupTests
{
    [Fact]
    public void A_ring_whose_setup_failed_closes_no_descriptor_when_finalized()
    {
        // Number 0 is whatever the test host has there (stdin, or /dev/null if it was closed); remember what it is.
        stat before;
        if (fstat(0, &before) != 0)
        {
            int fd;
            fixed (byte* path = "/dev/null\0"u8)
                fd = open(path, O_RDONLY | O_CLOEXEC);
            Assert.True(fd >= 0, "could not open /dev/null");
            if (fd != 0)
                close(fd);
            Assert.True(fstat(0, &before) == 0, "descriptor 0 is closed and could not be taken for the test");
        }

        for (int i = 0; i < 4; i++)
            FailSetup();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        stat after;
        Assert.True(fstat(0, &after) == 0, "descriptor 0 was closed by the finalizer of a Ring whose setup failed");
        Assert.True(before.st_dev == after.st_dev && before.st_ino == after.st_ino,
            "descriptor 0 now names another file: a failed Ring's finalizer closed it and the number was reused");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FailSetup()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new Ring(new RingOptions { Entries = 0 }));
}
