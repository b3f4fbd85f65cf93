using System.Diagnostics;
using System.Text;
using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Interop;
using UringSafe.Raw;
using UringSafe.Raw.Ops;

namespace UringSafe.Tests.Diagnostics;

/// <summary>Overrides are process-wide: the capability tests run alone, not beside tests that might hit the same opcode.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CapabilitiesCollection
{
    public const string Name = "UringCapabilities (process-wide overrides)";
}

/// <summary>
/// <see cref="UringCapabilities"/> on the real kernel: the report, the opcode probe, the tried features, overrides and the
/// typed "needs kernel X" error; and <c>uringsafe doctor</c> as a child process, plainly, with <c>URINGSAFE_FEATURES</c>,
/// and under a seccomp filter that makes io_uring_setup fail.
/// </summary>
[Collection(CapabilitiesCollection.Name)]
public sealed class CapabilitiesTests
{
    private static readonly string[] s_featureNames =
    [
        UringCapabilities.FeatureNames.DeferTaskrun, UringCapabilities.FeatureNames.CoopTaskrun,
        UringCapabilities.FeatureNames.RegisteredRingFd, UringCapabilities.FeatureNames.BufferRing,
        UringCapabilities.FeatureNames.IncrementalBufferRing, UringCapabilities.FeatureNames.MultishotAccept,
        UringCapabilities.FeatureNames.MultishotRecv, UringCapabilities.FeatureNames.SendZc, UringCapabilities.FeatureNames.MsgRing,
        UringCapabilities.FeatureNames.ExtArg,
    ];

    [Fact]
    public void Report_has_the_kernel_version_the_opcodes_and_the_tried_features()
    {
        UringCapabilities caps = UringCapabilities.Current;
        Assert.True(caps.IsUsable, caps.Unavailable?.Message);
        Assert.Same(caps, UringCapabilities.Current); // probed once

        string release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        Assert.Equal(release, caps.KernelRelease);
        string[] parts = release.Split('.', '-');
        Assert.Equal(new Version(int.Parse(parts[0]), int.Parse(parts[1])), caps.KernelVersion);

        string report = caps.Report();
        Assert.Equal(report, caps.ToString());
        Assert.Contains($"Kernel: {release} (version {caps.KernelVersion};", report);
        Assert.Contains("io_uring: usable", report);
        Assert.Contains("kernel.io_uring_disabled: ", report);
        Assert.Contains("seccomp: 0 (disabled)", report);
        Assert.Contains("RLIMIT_MEMLOCK: soft ", report);
        foreach (IoUringOpcode op in Enum.GetValues<IoUringOpcode>())
            Assert.Matches($@"\n  (yes|no )\s+{(int)op}  {op}\b", report);
        Assert.Equal(s_featureNames, caps.Features.Select(f => f.Name));
        foreach (UringCapabilities.Feature f in caps.Features)
        {
            Assert.Matches($@"\n  (yes|no )  {f.Name}\s+{Regex(f.Since.ToString())}\s+(tried|probe)\s+\S", report);
            Assert.NotEmpty(f.Detail);
            Assert.Equal(f.Name == UringCapabilities.FeatureNames.ExtArg ? UringCapabilities.Decision.Probe : UringCapabilities.Decision.Tried, f.How);
            // Tried on the real kernel: whatever this kernel is new enough for works (the tests run on 6.18).
            if (caps.KernelVersion >= f.Since)
                Assert.True(f.Supported, $"{f.Name} ({f.Since}+) failed on {caps.KernelVersion}: {f.Detail}");
        }
        Assert.Contains("still armed", caps.GetFeature(UringCapabilities.FeatureNames.MultishotAccept).Detail);
        Assert.Contains("provided buffer", caps.GetFeature(UringCapabilities.FeatureNames.MultishotRecv).Detail);
        Assert.Contains("The runtime will use:", report);
        Assert.Contains(caps.RuntimeChoices, l => l.StartsWith("DEFER_TASKRUN: ", StringComparison.Ordinal));
        Assert.Equal(caps.IsSupported(UringCapabilities.FeatureNames.DeferTaskrun), caps.RuntimeChoices[0].StartsWith("DEFER_TASKRUN: yes", StringComparison.Ordinal));
        Assert.All(caps.Problems, p => Assert.False(p.Fatal));
        Assert.Throws<KeyNotFoundException>(() => caps.GetFeature("Teleport"));
    }

    [Fact]
    public void Probing_again_gives_the_same_answers_and_leaves_no_descriptor_open()
    {
        UringCapabilities current = UringCapabilities.Current;
        int before = UringSafe.Tests.Support.Fds.OpenFdCount();
        for (int i = 0; i < 3; i++)
        {
            UringCapabilities again = UringCapabilities.ProbeUncached();
            Assert.Equal(current.Features.Select(f => (f.Name, f.Supported, f.How)), again.Features.Select(f => (f.Name, f.Supported, f.How)));
            Assert.Equal(current.Opcodes, again.Opcodes);
        }
        Assert.Equal(before, UringSafe.Tests.Support.Fds.OpenFdCount());
        Assert.Same(current, UringCapabilities.Current);
    }

    [Fact]
    public void Opcode_support_is_the_kernels_probe()
    {
        using var ring = new Ring(4);
        RingProbe probe = ring.Probe();
        UringCapabilities caps = UringCapabilities.Current;
        Assert.Equal(probe.LastOpcode, caps.KernelLastOpcode);
        foreach (IoUringOpcode op in Enum.GetValues<IoUringOpcode>())
        {
            Assert.Equal(probe.IsSupported(op), caps.IsSupported(op));
            Assert.Equal(UringCapabilities.Decision.Probe, caps.GetOpcode(op).How);
        }
    }

    [Fact]
    public void Minimum_kernel_comes_from_the_builder_declarations()
    {
        Assert.Equal(new Version(5, 1), UringCapabilities.MinimumKernel(IoUringOpcode.Nop));
        Assert.Equal(new Version(5, 5), UringCapabilities.MinimumKernel(IoUringOpcode.Accept)); // the oldest of Accept's variants (5.5, 5.15, 5.19)
        Assert.Equal(new Version(6, 7), UringCapabilities.MinimumKernel(IoUringOpcode.Waitid));
        Assert.Equal(new Version(6, 0), UringCapabilities.MinimumKernel(IoUringOpcode.SendZc));
        Assert.Null(UringCapabilities.MinimumKernel((IoUringOpcode)250));
        foreach ((string builder, IoUringOpcode opcode, string since, string _) in UringOpCatalog.All)
            Assert.True(UringCapabilities.MinimumKernel(opcode) <= Version.Parse(since), $"{builder}: {since}");
    }

    [Fact]
    public void Override_marking_an_opcode_unsupported_gives_the_typed_exception_with_both_versions()
    {
        UringCapabilities before = UringCapabilities.Current;
        Assert.True(before.IsSupported(IoUringOpcode.Waitid)); // 6.7, and the tests run on 6.18
        Assert.Null(UringCapabilities.UnsupportedOrNull(IoUringOpcode.Waitid, Errno.EINVAL));

        var buffer = new object();
        using (UringCapabilities.OverrideForTesting("op:waitid", supported: false))
        {
            UringCapabilities caps = UringCapabilities.Current;
            Assert.NotSame(before, caps);
            UringCapabilities.OpcodeSupport waitid = caps.GetOpcode(IoUringOpcode.Waitid);
            Assert.False(waitid.Supported);
            Assert.Equal(UringCapabilities.Decision.Override, waitid.How);
            Assert.Equal(["-op:Waitid"], caps.Overrides);
            Assert.Matches(@"\n  no   50  Waitid\s+6\.7\s+\(override\)", caps.Report());

            OperationNotSupportedException e = Assert.IsType<OperationNotSupportedException>(
                UringCapabilities.UnsupportedOrNull(IoUringOpcode.Waitid, Errno.EINVAL, fd: 7, buffer: buffer));
            Assert.Equal(IoUringOpcode.Waitid, e.Opcode);
            Assert.Equal(new Version(6, 7), e.RequiredKernel);
            Assert.Equal(caps.KernelVersion, e.KernelVersion);
            Assert.Equal(caps.KernelRelease, e.KernelRelease);
            Assert.True(e.DisabledByOverride);
            Assert.Equal(Errno.EINVAL, e.Errno);
            Assert.Equal(7, e.Fd);
            Assert.Same(buffer, e.Buffer);
            Assert.IsAssignableFrom<UringException>(e);
            Assert.Contains("Waitid on fd 7 is not supported", e.Message);
            Assert.Contains("Linux 6.7 or newer", e.Message);
            Assert.Contains($"Linux {caps.KernelVersion} ({caps.KernelRelease})", e.Message);
            Assert.Contains("override", e.Message);

            Assert.IsType<OperationNotSupportedException>(UringCapabilities.UnsupportedOrNull(IoUringOpcode.Waitid, Errno.EOPNOTSUPP));
            Assert.Null(UringCapabilities.UnsupportedOrNull(IoUringOpcode.Waitid, Errno.EBADF)); // not a "missing op" errno
            Assert.Null(UringCapabilities.UnsupportedOrNull(IoUringOpcode.Read, Errno.EINVAL));  // supported: a bad field, not a missing op
            OperationNotSupportedException thrown = Assert.Throws<OperationNotSupportedException>(() => UringCapabilities.CheckOpcode(IoUringOpcode.Waitid));
            Assert.Equal(Errno.EOPNOTSUPP, thrown.Errno);
            Assert.Equal(new Version(6, 7), UringCapabilities.Unsupported(IoUringOpcode.Waitid).RequiredKernel);
        }

        Assert.True(UringCapabilities.Current.IsSupported(IoUringOpcode.Waitid));
        Assert.Empty(UringCapabilities.Current.Overrides);
        Assert.Null(UringCapabilities.UnsupportedOrNull(IoUringOpcode.Waitid, Errno.EINVAL));
        UringCapabilities.CheckOpcode(IoUringOpcode.Waitid);
    }

    [Fact]
    public unsafe void An_opcode_the_kernel_rejects_for_real_gets_the_typed_exception()
    {
        // Opcode 250 is past the kernel's last: the probe says unsupported, and submitting it really completes with EINVAL.
        const IoUringOpcode Unknown = (IoUringOpcode)250;
        Assert.False(UringCapabilities.Current.IsSupported(Unknown));
        using var ring = new Ring(4);
        ref Sqe sqe = ref ring.GetSqe();
        sqe = new Nop().UserData(1).Build();
        sqe.Opcode = Unknown;
        ring.SubmitAndWait(1);
        Cqe cqe = ring.WaitCompletion();
        ring.AdvanceCompletions(1);
        Assert.Equal(-Errno.EINVAL, cqe.Result);

        OperationNotSupportedException e = Assert.IsType<OperationNotSupportedException>(UringCapabilities.UnsupportedOrNull(Unknown, -cqe.Result));
        Assert.Null(e.RequiredKernel);
        Assert.False(e.DisabledByOverride);
        Assert.Contains("is not supported by this kernel", e.Message);
        Assert.Contains("does not record which kernel added it", e.Message);
        Assert.Contains(UringCapabilities.Current.KernelRelease, e.Message);
    }

    [Fact]
    public void An_operation_whose_opcode_an_override_disabled_fails_with_the_typed_needs_kernel_error_and_its_buffer()
    {
        string path = Path.GetTempFileName();
        File.WriteAllBytes(path, new byte[64]);
        OperationNotSupportedException? error = null;
        bool lentAfter = true;
        try
        {
            using (UringCapabilities.OverrideForTesting("op:Read", supported: false))
            {
                UringSafe.Tests.Net.NetRuntime.Run(async () =>
                {
                    await using var file = await UringSafe.Files.UringFile.OpenAsync(path);
                    var buf = UringSafe.Buffers.IoBuffer.Allocate(64);
                    try
                    {
                        (_, buf) = await file.ReadAtAsync(buf, 0);
                    }
                    catch (OperationNotSupportedException e)
                    {
                        error = e;
                        buf = ReturnedBuffer.From<UringSafe.Buffers.IoBuffer>(e)!;
                    }
                    lentAfter = buf.IsLent;
                    buf.Dispose();
                });
            }
        }
        finally
        {
            File.Delete(path);
        }
        Assert.NotNull(error);
        Assert.Equal(IoUringOpcode.Read, error!.Opcode);
        Assert.True(error.DisabledByOverride);
        Assert.Equal(UringCapabilities.Current.KernelVersion, error.KernelVersion);
        Assert.Contains("Read", error.Message);
        Assert.False(lentAfter);
    }

    [Fact]
    public void Feature_overrides_are_marked_and_change_what_the_runtime_uses()
    {
        using (UringCapabilities.OverrideForTesting("sendzc", supported: false))
        using (UringCapabilities.OverrideForTesting(UringCapabilities.FeatureNames.DeferTaskrun, supported: false))
        {
            UringCapabilities caps = UringCapabilities.Current;
            UringCapabilities.Feature sendZc = caps.GetFeature(UringCapabilities.FeatureNames.SendZc);
            Assert.False(sendZc.Supported);
            Assert.Equal(UringCapabilities.Decision.Override, sendZc.How);
            Assert.StartsWith("(override) forced off; tried: yes", sendZc.Detail);
            Assert.Contains("Zero-copy send (SendZcAsync): no, use SendAsync (copying)", caps.RuntimeChoices);
            Assert.Contains("DEFER_TASKRUN: no, falls back to COOP_TASKRUN (COOP_TASKRUN | TASKRUN_FLAG | SUBMIT_ALL)", caps.RuntimeChoices);
            Assert.Contains(caps.Problems, p => p.Description.StartsWith("Zero-copy send", StringComparison.Ordinal) && p.Fix.Contains("SendAsync"));
            Assert.Matches(@"\n  no   SendZc\s+6\.0\s+override\s+\(override\) forced off", caps.Report());

            using (UringCapabilities.OverrideForTesting("SendZc", supported: true)) // nested: the latest wins
                Assert.True(UringCapabilities.Current.IsSupported(UringCapabilities.FeatureNames.SendZc));
            Assert.False(UringCapabilities.Current.IsSupported(UringCapabilities.FeatureNames.SendZc));
        }
        Assert.Equal(UringCapabilities.Decision.Tried, UringCapabilities.Current.GetFeature(UringCapabilities.FeatureNames.SendZc).How);
    }

    [Fact]
    public void Override_names_are_checked_and_Override_must_come_before_the_probe()
    {
        Assert.Throws<ArgumentException>(() => UringCapabilities.OverrideForTesting("Teleport", false));
        Assert.Throws<ArgumentException>(() => UringCapabilities.OverrideForTesting("op:Teleport", false));
        Assert.Throws<ArgumentException>(() => UringCapabilities.OverrideForTesting("op:250", false));
        _ = UringCapabilities.Current;
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => UringCapabilities.Override("SendZc", false));
        Assert.Contains("before the first use", e.Message);
    }

    [Fact]
    public void Unavailable_causes_are_decided_from_the_errno_and_the_host()
    {
        HostFacts host = new("6.8.0-1-generic", new Version(6, 8), IoUringDisabled: 0, IoUringGroup: -1, SeccompMode: 0,
            InIoUringGroup: false, HasSysAdmin: false, MemlockSoft: 65536, MemlockHard: 65536);

        UringUnavailableException.Explanation Explain(int errno, HostFacts facts) => UringUnavailableException.Explain(errno, facts);

        var sysctl2 = Explain(Errno.EPERM, host with { IoUringDisabled = 2, SeccompMode = 2 });
        Assert.Equal(UringUnavailableCause.DisabledBySysctl, sysctl2.Cause);
        Assert.Contains("kernel.io_uring_disabled is 2", sysctl2.Message);
        Assert.DoesNotContain("seccomp", sysctl2.Message);

        var group = Explain(Errno.EPERM, host with { IoUringDisabled = 1, IoUringGroup = 1234 });
        Assert.Equal(UringUnavailableCause.NotInIoUringGroup, group.Cause);
        Assert.Contains("kernel.io_uring_group (1234)", group.Message);
        Assert.DoesNotContain("seccomp", group.Message);
        // In the group, or CAP_SYS_ADMIN: the sysctl lets it through, so with a filter on it is seccomp.
        Assert.Equal(UringUnavailableCause.SeccompFilter, Explain(Errno.EPERM, host with { IoUringDisabled = 1, IoUringGroup = 1234, InIoUringGroup = true, SeccompMode = 2 }).Cause);
        Assert.Equal(UringUnavailableCause.SecurityModule, Explain(Errno.EPERM, host with { IoUringDisabled = 1, HasSysAdmin = true }).Cause);

        var seccomp = Explain(Errno.EPERM, host with { SeccompMode = 2 });
        Assert.Equal(UringUnavailableCause.SeccompFilter, seccomp.Cause);
        Assert.Contains("seccomp filter", seccomp.Message);
        Assert.Contains("--security-opt", seccomp.Fix);
        Assert.DoesNotContain("io_uring_group", seccomp.Message);
        Assert.Equal(UringUnavailableCause.SeccompFilter, Explain(Errno.EPERM, host with { IoUringDisabled = null, SeccompMode = 2 }).Cause);

        var lsm = Explain(Errno.EPERM, host);
        Assert.Equal(UringUnavailableCause.SecurityModule, lsm.Cause);
        Assert.DoesNotContain("--security-opt", lsm.Message);

        var old = Explain(Errno.ENOSYS, host with { KernelRelease = "4.19.0", KernelVersion = new Version(4, 19) });
        Assert.Equal(UringUnavailableCause.KernelTooOld, old.Cause);
        Assert.Contains("Linux 4.19 (4.19.0) is too old", old.Message);
        Assert.Equal(UringUnavailableCause.NotBuiltIn, Explain(Errno.ENOSYS, host).Cause);
        Assert.Equal(UringUnavailableCause.SeccompFilter, Explain(Errno.ENOSYS, host with { SeccompMode = 2 }).Cause);

        var memlock = Explain(Errno.ENOMEM, host with { KernelRelease = "5.10.0", KernelVersion = new Version(5, 10) });
        Assert.Equal(UringUnavailableCause.MemoryLimit, memlock.Cause);
        Assert.Contains("RLIMIT_MEMLOCK is 64 KiB", memlock.Message);
        Assert.Contains("before Linux 5.12", memlock.Message);

        Assert.Equal(UringUnavailableCause.SetupRejected, Explain(Errno.EINVAL, host).Cause);

        // The public constructor reads this host. io_uring works here, so the sysctl allows this process: an EPERM would be
        // seccomp's if a filter is on, else a security module's.
        var live = new UringUnavailableException(Errno.EPERM);
        Assert.Equal(Errno.EPERM, live.Errno);
        Assert.Equal(UringCapabilities.Current.Seccomp == UringCapabilities.SeccompMode.Filter ? UringUnavailableCause.SeccompFilter : UringUnavailableCause.SecurityModule, live.Cause);
        Assert.Equal(live.Message, UringUnavailableException.Explain(Errno.EPERM));
    }

    [Fact]
    public void Doctor_reports_and_exits_zero_where_io_uring_works()
    {
        ProcessResult run = RunDoctor();
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains($"Kernel: {UringCapabilities.Current.KernelRelease}", run.Output);
        Assert.Contains("io_uring: usable", run.Output);
        Assert.Matches(@"\n  yes   0  Nop", run.Output);
        Assert.Matches(@"\n  yes\s+45  Socket", run.Output);
        Assert.Matches(@"\n  yes  MultishotAccept\s+5\.19\s+tried\s+ACCEPT with IORING_ACCEPT_MULTISHOT", run.Output);
        Assert.Contains("Verdict: io_uring is usable", run.Output);
        Assert.Contains("Driver (ReactorDriver.Auto picks): the kernel ring (KernelRing), because io_uring can be set up here", run.Output);
        Assert.Contains("URINGSAFE_DRIVER: unset (reactors left at Auto take Auto's pick)", run.Output);
    }

    [Fact]
    public void Auto_picks_the_kernel_ring_where_io_uring_works_and_the_variable_is_reported()
    {
        UringCapabilities caps = UringCapabilities.Current;
        Assert.Equal(ReactorDriver.KernelRing, caps.AutoDriver);
        Assert.Contains("Driver (ReactorDriver.Auto picks): the kernel ring", caps.Report());

        // This assembly sets URINGSAFE_DRIVER (Support/DriverUnderTest.cs); a reactor left at Auto runs what the report says.
        Assert.Equal(UringSafe.Tests.Support.DriverUnderTest.Name, caps.DriverVariableValue);
        using var reactor = new UringReactor(new ReactorOptions());
        Assert.Equal(caps.DefaultDriver, reactor.Driver);
    }

    [Theory]
    [InlineData("userspace", "URINGSAFE_DRIVER: userspace (reactors left at Auto run the userspace ring; an explicit ReactorOptions.Driver wins)")]
    [InlineData("kernel", "URINGSAFE_DRIVER: kernel (reactors left at Auto run the kernel ring; an explicit ReactorOptions.Driver wins)")]
    [InlineData("auto", "URINGSAFE_DRIVER: auto (reactors left at Auto run Auto's pick; an explicit ReactorOptions.Driver wins)")]
    public void Doctor_reports_what_URINGSAFE_DRIVER_asks_for(string value, string line)
    {
        ProcessResult run = RunDoctor(env: (DriverVariable.Name, value));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("Driver (ReactorDriver.Auto picks): the kernel ring (KernelRing)", run.Output);
        Assert.Contains(line, run.Output);
    }

    [Fact]
    public void Doctor_reports_a_URINGSAFE_DRIVER_that_names_no_driver_as_a_problem_with_its_fix()
    {
        ProcessResult run = RunDoctor(env: (DriverVariable.Name, "epoll"));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("URINGSAFE_DRIVER: 'epoll' names no driver: reactors left at Auto fail to start (see Problems)", run.Output);
        Assert.Contains("warning: URINGSAFE_DRIVER='epoll' is not a driver UringSafe knows: use auto, kernel or userspace", run.Output);
        Assert.Contains("fix: Set URINGSAFE_DRIVER to auto, kernel or userspace, or unset it.", run.Output);
    }

    [Fact]
    public void Doctor_applies_URINGSAFE_FEATURES_and_reports_unknown_entries()
    {
        ProcessResult run = RunDoctor(env: ("URINGSAFE_FEATURES", "-SendZc,+MultishotRecv,-op:Socket,Bogus"));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("overrides (URINGSAFE_FEATURES / UringCapabilities.Override): -SendZc,+MultishotRecv,-op:Socket", run.Output);
        Assert.Matches(@"\n  no   SendZc\s+6\.0\s+override\s+\(override\) forced off; tried: yes", run.Output);
        Assert.Matches(@"\n  yes  MultishotRecv\s+6\.0\s+override\s+\(override\) forced on", run.Output);
        Assert.Matches(@"\n  no   45  Socket\s+5\.19\s+\(override\)", run.Output);
        Assert.Contains("URINGSAFE_FEATURES entry 'Bogus' names no feature or opcode and was ignored.", run.Output);
    }

    [Fact]
    public void Doctor_says_Auto_takes_the_userspace_ring_where_a_feature_the_defaults_use_is_missing()
    {
        ProcessResult run = RunDoctor(env: ("URINGSAFE_FEATURES", "-MultishotRecv"));
        Assert.True(run.ExitCode == 0, run.Output); // io_uring itself is usable
        Assert.Contains("Driver (ReactorDriver.Auto picks): the userspace ring (UserspaceRing), because io_uring on Linux", run.Output);
        Assert.Contains("lacks what the runtime's defaults use: MultishotRecv (6.0): the Kestrel transport and MultishotReceiver receive multishot by default", run.Output);
    }

    [Theory]
    [InlineData(1, "EPERM")]
    [InlineData(38, "ENOSYS")]
    public void Doctor_under_a_seccomp_filter_names_seccomp_and_exits_nonzero(int errno, string errnoName)
    {
        ProcessResult run = RunDoctor(seccompErrno: errno);
        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}:\n{run.Output}");
        Assert.Contains($"io_uring: UNUSABLE (SeccompFilter, io_uring_setup returned {errnoName})", run.Output);
        Assert.Contains("seccomp: 2 (filter)", run.Output);
        Assert.Contains("ERROR: io_uring is not ", run.Output);
        Assert.Contains($"io_uring_setup returned {errnoName}", run.Output);
        Assert.Contains("seccomp filter (Seccomp: 2 in /proc/self/status)", run.Output);
        Assert.Contains("fix: Run with a seccomp profile that allows io_uring_setup", run.Output);
        Assert.Contains("--security-opt seccomp=unconfined", run.Output);
        // One cause, not a list of candidates.
        Assert.DoesNotContain("io_uring_group (", run.Output);
        Assert.DoesNotContain("security module", run.Output);
        Assert.DoesNotContain("CONFIG_IO_URING", run.Output);
        Assert.Contains("Verdict: io_uring is NOT usable by this process (cause: SeccompFilter)", run.Output);
        // Auto still runs programs here, on the userspace ring, and the doctor says so with the cause.
        Assert.Contains($"Driver (ReactorDriver.Auto picks): the userspace ring (UserspaceRing), because io_uring is unusable (SeccompFilter, io_uring_setup returned {errnoName})", run.Output);
        Assert.Contains("URINGSAFE_DRIVER: unset", run.Output);
        Assert.Contains("UringSafe programs still run, on the userspace ring; those that require the kernel ring need the fix.", run.Output);
    }

    [Fact]
    public void Doctor_under_a_seccomp_filter_says_URINGSAFE_DRIVER_kernel_makes_reactors_fail()
    {
        ProcessResult run = RunDoctor(seccompErrno: 1, env: (DriverVariable.Name, "kernel"));
        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}:\n{run.Output}");
        Assert.Contains("Driver (ReactorDriver.Auto picks): the userspace ring (UserspaceRing)", run.Output);
        Assert.Contains("URINGSAFE_DRIVER: kernel (reactors left at Auto run the kernel ring, so here they fail with UringUnavailableException", run.Output);
        Assert.Contains("Reactors set to the kernel ring fail until it is fixed.", run.Output);
    }

    private sealed record ProcessResult(int ExitCode, string Output);

    /// <summary>Runs the doctor built beside this test assembly, optionally under seccomp_exec.py's filter.</summary>
    private static ProcessResult RunDoctor(int? seccompErrno = null, (string Name, string Value)? env = null)
    {
        string dll = ToolDll();
        ProcessStartInfo psi;
        if (seccompErrno is int errno)
        {
            psi = new ProcessStartInfo("python3");
            foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "Diagnostics", "seccomp_exec.py"), "--errno", errno.ToString(), "--", "dotnet", dll, "doctor" })
                psi.ArgumentList.Add(a);
        }
        else
        {
            psi = new ProcessStartInfo("dotnet");
            psi.ArgumentList.Add(dll);
            psi.ArgumentList.Add("doctor");
        }
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.Environment.Remove(UringCapabilities.EnvironmentVariable);
        psi.Environment.Remove(DriverVariable.Name);
        if (env is { } e)
            psi.Environment[e.Name] = e.Value;
        using Process p = Process.Start(psi)!;
        var output = new StringBuilder();
        p.OutputDataReceived += (_, a) => { if (a.Data is not null) lock (output) output.Append(a.Data).Append('\n'); };
        p.ErrorDataReceived += (_, a) => { if (a.Data is not null) lock (output) output.Append(a.Data).Append('\n'); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill();
            Assert.Fail("the doctor did not finish within 60 s:\n" + output);
        }
        p.WaitForExit();
        lock (output)
            return new ProcessResult(p.ExitCode, output.ToString());
    }

    /// <summary>The tool's build output, next to this test assembly's configuration (the test project builds it).</summary>
    private static string ToolDll() => UringSafe.Tests.Support.BuildOutput.Find("src/Tool/UringSafe.Tool", "UringSafe.Tool.dll");

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);
}
