using System.Runtime.CompilerServices;

namespace UringSafe.Tests.Support;

/// <summary>
/// Which driver this test assembly runs its reactors on: the kernel ring in tests/UringSafe.Tests, the userspace ring
/// in the *.Userspace copies (built with USERSPACE_DRIVER). Set before any test runs, and inherited by the child
/// processes tests start (samples, the doctor).
/// </summary>
internal static class DriverUnderTest
{
#if USERSPACE_DRIVER
    public const string Name = "userspace";
#else
    public const string Name = "kernel";
#endif

    [ModuleInitializer]
    internal static void Select() => Environment.SetEnvironmentVariable("URINGSAFE_DRIVER", Name);
}
