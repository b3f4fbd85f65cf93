using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Tmds.Linux;
using UringSafe.Abi;
using UringSafe.Interop;
using UringSafe.Raw.Ops;
using static Tmds.Linux.LibC;

namespace UringSafe.Raw;

// The probe: every feature is decided by doing it on small rings of its own, with bounded waits, and every ring, socket and
// buffer it creates is released before it returns.
public sealed partial class UringCapabilities
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(2);

    /// <summary>What IORING_REGISTER_PROBE said (or why it could not be asked), from one tiny ring.</summary>
    private sealed class OpcodeTable
    {
        public UringUnavailableException? Unavailable { get; private init; }
        public bool[]? Supported { get; private init; }
        public IoUringOpcode LastOp { get; private init; }
        public RingFeatures RingFeatures { get; private init; }
        public string Detail { get; private init; } = "";

        public static OpcodeTable Probe()
        {
            try
            {
                using var ring = new Ring(new RingOptions { Entries = 1 });
                try
                {
                    RingProbe probe = ring.Probe();
                    var supported = new bool[256];
                    foreach (IoUringOpcode op in probe.SupportedOpcodes)
                        supported[(int)op] = true;
                    return new OpcodeTable { Supported = supported, LastOp = probe.LastOpcode, RingFeatures = ring.Features, Detail = "IORING_REGISTER_PROBE" };
                }
                catch (UringException e)
                {
                    return new OpcodeTable
                    {
                        RingFeatures = ring.Features,
                        Detail = $"IORING_REGISTER_PROBE failed ({e.ErrnoName}; it needs 5.6), so decided by kernel version",
                    };
                }
            }
            catch (UringUnavailableException e)
            {
                return new OpcodeTable { Unavailable = e, Detail = $"not probed: io_uring_setup returned {Errno.Name(e.Errno)}" };
            }
            catch (UringException e)
            {
                // io_uring_setup worked but the ring could not be mapped (ENOMEM: RLIMIT_MEMLOCK before 5.12): as unusable.
                return new OpcodeTable { Unavailable = new UringUnavailableException(e.Errno), Detail = $"not probed: {e.Operation} failed with {e.ErrnoName}" };
            }
        }
    }

    /// <summary>The probe's own results: host facts, the opcode table and each feature tried (before overrides).</summary>
    private sealed class ProbeResults
    {
        public required HostFacts Host { get; init; }
        public required OpcodeTable Ops { get; init; }
        public required Dictionary<string, (bool Supported, string Detail, Decision How)> Tried { get; init; }

        public static ProbeResults Run(HostFacts host, OpcodeTable ops)
        {
            var tried = new Dictionary<string, (bool, string, Decision)>(StringComparer.Ordinal);
            if (ops.Unavailable is { } unavailable)
            {
                foreach ((string name, _) in s_features)
                    tried[name] = (false, $"not usable: io_uring_setup fails with {Errno.Name(unavailable.Errno)} ({unavailable.Cause})", Decision.Tried);
                return new ProbeResults { Host = host, Ops = ops, Tried = tried };
            }

            tried[FeatureNames.DeferTaskrun] = Try(() => TrySetup(
                SetupFlags.SingleIssuer | SetupFlags.DeferTaskrun | SetupFlags.TaskrunFlag | SetupFlags.SubmitAll,
                "SINGLE_ISSUER | DEFER_TASKRUN | TASKRUN_FLAG | SUBMIT_ALL"));
            tried[FeatureNames.CoopTaskrun] = Try(() => TrySetup(
                SetupFlags.CoopTaskrun | SetupFlags.TaskrunFlag | SetupFlags.SubmitAll,
                "COOP_TASKRUN | TASKRUN_FLAG | SUBMIT_ALL"));
            tried[FeatureNames.RegisteredRingFd] = Try(TryRegisteredRingFd);
            tried[FeatureNames.BufferRing] = Try(() => TryBufferRing(incremental: false));
            tried[FeatureNames.IncrementalBufferRing] = Try(() => TryBufferRing(incremental: true));
            tried[FeatureNames.MultishotRecv] = tried[FeatureNames.BufferRing].Item1
                ? Try(TryMultishotRecv)
                : (false, "not tried: needs a provided-buffer ring (BufferRing), which failed", Decision.Tried);
            (tried[FeatureNames.MultishotAccept], tried[FeatureNames.SendZc]) = TryLoopbackTcp(ops);
            tried[FeatureNames.MsgRing] = Try(TryMsgRing);
            tried[FeatureNames.ExtArg] = (ops.RingFeatures & RingFeatures.ExtArg) != 0
                ? (true, "IORING_FEAT_EXT_ARG reported by io_uring_setup", Decision.Probe)
                : (false, "io_uring_setup does not report IORING_FEAT_EXT_ARG", Decision.Probe);
            return new ProbeResults { Host = host, Ops = ops, Tried = tried };
        }
    }

    /// <summary>A fresh probe, neither cached nor published as <see cref="Current"/> (for tests: leaks, repeatability).</summary>
    internal static UringCapabilities ProbeUncached()
    {
        HostFacts host = HostFacts.Read();
        return new UringCapabilities(ProbeResults.Run(host, OpcodeTable.Probe()), CurrentOverrides());
    }

    /// <summary>A try that did not work: the detail says what happened.</summary>
    private sealed class TryFailedException(string detail) : Exception(detail);

    private static (bool, string, Decision) Try(Func<string> attempt)
    {
        try
        {
            return (true, attempt(), Decision.Tried);
        }
        catch (Exception e)
        {
            return (false, Describe(e), Decision.Tried);
        }
    }

    private static string Describe(Exception e) => e switch
    {
        TryFailedException => e.Message,
        UringUnavailableException u => $"io_uring_setup failed: {Errno.Name(u.Errno)}",
        UringException u => $"{u.Operation} failed: {u.ErrnoName}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    private static string Failed(string what, int result) => $"{what} failed: {Errno.Name(-result)}";

    private static string TrySetup(SetupFlags flags, string names)
    {
        using var ring = new Ring(new RingOptions { Entries = 4, Flags = flags });
        Nop(ring);
        return $"ring with {names} created; NOP completed";
    }

    private static string TryRegisteredRingFd()
    {
        using var ring = new Ring(new RingOptions { Entries = 4 });
        ring.RegisterRingFd();
        Nop(ring); // io_uring_enter through the registered index
        ring.UnregisterRingFd();
        return "IORING_REGISTER_RING_FDS; NOP submitted and completed through the registered index";
    }

    private static string TryBufferRing(bool incremental)
    {
        using var ring = new Ring(new RingOptions { Entries = 4 });
        using BufferRing buffers = ring.SetupBufferRing(1, 8, incremental);
        return incremental
            ? "IORING_REGISTER_PBUF_RING with IOU_PBUF_RING_INC: 8-entry ring registered"
            : "IORING_REGISTER_PBUF_RING: 8-entry ring registered";
    }

    private static unsafe string TryMultishotRecv()
    {
        const int BufferSize = 64;
        const ushort Group = 3;
        const ulong RecvData = 7;
        int* pair = stackalloc int[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
            throw new TryFailedException($"not tried: socketpair failed ({Errno.Name(errno)})");
        void* memory = NativeMemory.AllocZeroed(2 * BufferSize);
        var ring = new Ring(new RingOptions { Entries = 8 });
        BufferRing? buffers = null;
        try
        {
            buffers = ring.SetupBufferRing(Group, 2);
            buffers.Add((nint)memory, BufferSize, 0, 0);
            buffers.Add((nint)memory + BufferSize, BufferSize, 1, 1);
            buffers.Advance(2);
            new RecvMultishot(FileRef.Fd(pair[0]), Group).UserData(RecvData).WriteTo(ref ring.GetSqe());
            ring.Submit();
            byte* ping = stackalloc byte[5] { (byte)'u', (byte)'r', (byte)'i', (byte)'n', (byte)'g' };
            if (write(pair[1], ping, 5) != 5)
                throw new TryFailedException($"not tried: write to the socketpair failed ({Errno.Name(errno)})");
            if (!TryWaitFor(ring, c => c.UserData == RecvData, out Cqe cqe))
                throw new TryFailedException("RECV with IORING_RECV_MULTISHOT on a socketpair: no completion within 2 s");
            if (cqe.Result < 0)
                throw new TryFailedException(Failed("RECV with IORING_RECV_MULTISHOT on a socketpair", cqe.Result));
            if (!cqe.HasBuffer)
                throw new TryFailedException("RECV with IORING_RECV_MULTISHOT on a socketpair completed without a provided buffer");
            if (!cqe.HasMore)
                throw new TryFailedException($"RECV with IORING_RECV_MULTISHOT on a socketpair received {cqe.Result} bytes but did not stay armed (no IORING_CQE_F_MORE)");
            return $"RECV with IORING_RECV_MULTISHOT on a socketpair: {cqe.Result} bytes into provided buffer {cqe.BufferId}, still armed";
        }
        finally
        {
            ring.Dispose();      // cancels the armed receive before its buffers go
            buffers?.Dispose();
            NativeMemory.Free(memory);
            close(pair[0]);
            close(pair[1]);
        }
    }

    /// <summary>Multishot accept on a 127.0.0.1 listener, then SEND_ZC on the connection it accepted.</summary>
    private static ((bool, string, Decision) Accept, (bool, string, Decision) SendZc) TryLoopbackTcp(OpcodeTable ops)
    {
        int listener = -1, client = -1;
        var accepted = new List<int>();
        Ring? ring = null;
        try
        {
            string? setupError = OpenLoopbackPair(out listener, out client, out ushort port);
            if (setupError is not null)
            {
                // No loopback TCP here: the opcode probe is all there is to go by.
                string detail = $"could not be tried ({setupError}); decided by the opcode probe";
                return ((IsOpSupported(ops, IoUringOpcode.Accept), detail, Decision.Probe), (IsOpSupported(ops, IoUringOpcode.SendZc), detail, Decision.Probe));
            }
            ring = new Ring(new RingOptions { Entries = 8 });
            (bool, string, Decision) accept = Try(() => TryMultishotAccept(ring, listener, client, port, accepted));
            (bool, string, Decision) sendZc = Try(() => TrySendZc(ring, client));
            return (accept, sendZc);
        }
        catch (Exception e)
        {
            string detail = Describe(e);
            return ((false, detail, Decision.Tried), (false, detail, Decision.Tried));
        }
        finally
        {
            ring?.Dispose();
            foreach (int fd in accepted)
                close(fd);
            if (client >= 0)
                close(client);
            if (listener >= 0)
                close(listener);
        }
    }

    private static bool IsOpSupported(OpcodeTable ops, IoUringOpcode op) => ops.Supported is { } s && s[(int)op];

    /// <summary>A listener on 127.0.0.1 (an ephemeral port) and a client connected to it; the error, or null.</summary>
    private static unsafe string? OpenLoopbackPair(out int listener, out int client, out ushort port)
    {
        listener = client = -1;
        port = 0;
        listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listener < 0)
            return $"socket(AF_INET) failed: {Errno.Name(errno)}";
        byte* addr = stackalloc byte[16];
        var span = new Span<byte>(addr, 16);
        span.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)AF_INET);
        span[4] = 127;
        span[7] = 1; // 127.0.0.1, port 0
        if (bind(listener, (sockaddr*)addr, 16) != 0)
            return $"bind(127.0.0.1) failed: {Errno.Name(errno)}";
        if (listen(listener, 8) != 0)
            return $"listen failed: {Errno.Name(errno)}";
        socklen_t len = 16;
        if (getsockname(listener, (sockaddr*)addr, &len) != 0)
            return $"getsockname failed: {Errno.Name(errno)}";
        port = BinaryPrimitives.ReadUInt16BigEndian(span[2..]);
        client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (client < 0)
            return $"socket(AF_INET) failed: {Errno.Name(errno)}";
        // Blocking connect to loopback completes at once (the listener's backlog takes it).
        if (connect(client, (sockaddr*)addr, 16) != 0)
            return $"connect(127.0.0.1:{port}) failed: {Errno.Name(errno)}";
        return null;
    }

    private static string TryMultishotAccept(Ring ring, int listener, int client, ushort port, List<int> accepted)
    {
        const ulong AcceptData = 1;
        new AcceptMultishot(FileRef.Fd(listener)).AcceptFlags((uint)SOCK_CLOEXEC).UserData(AcceptData).WriteTo(ref ring.GetSqe());
        ring.Submit();
        _ = client; // connected before the accept was armed: it waits in the backlog
        if (!TryWaitFor(ring, c => c.UserData == AcceptData, out Cqe cqe))
            throw new TryFailedException($"ACCEPT with IORING_ACCEPT_MULTISHOT on 127.0.0.1:{port}: no completion within 2 s");
        if (cqe.Result < 0)
            throw new TryFailedException(Failed($"ACCEPT with IORING_ACCEPT_MULTISHOT on 127.0.0.1:{port}", cqe.Result));
        accepted.Add(cqe.Result);
        if (!cqe.HasMore)
            throw new TryFailedException($"ACCEPT with IORING_ACCEPT_MULTISHOT on 127.0.0.1:{port} accepted one connection but did not stay armed (no IORING_CQE_F_MORE)");
        return $"ACCEPT with IORING_ACCEPT_MULTISHOT on 127.0.0.1:{port}: connection accepted, still armed";
    }

    private static readonly unsafe nint s_zeroCopyPayload = (nint)NativeMemory.AllocZeroed(64); // lives as long as the process

    private static string TrySendZc(Ring ring, int client)
    {
        const ulong SendData = 2;
        const int Length = 16;
        new Ops.SendZc(FileRef.Fd(client), s_zeroCopyPayload, Length).MsgFlags(0x4000 /* MSG_NOSIGNAL */).UserData(SendData).WriteTo(ref ring.GetSqe());
        ring.Submit();
        if (!TryWaitFor(ring, c => c.UserData == SendData && (c.Flags & CqeFlags.Notification) == 0, out Cqe cqe))
            throw new TryFailedException("SEND_ZC on a loopback TCP connection: no completion within 2 s");
        if (cqe.Result < 0)
            throw new TryFailedException(Failed("SEND_ZC on a loopback TCP connection", cqe.Result));
        if (cqe.Result != Length)
            throw new TryFailedException($"SEND_ZC on a loopback TCP connection sent {cqe.Result} of {Length} bytes");
        bool notified = !cqe.HasMore
            || TryWaitFor(ring, c => c.UserData == SendData && (c.Flags & CqeFlags.Notification) != 0, out _);
        return $"SEND_ZC on a loopback TCP connection: {Length} bytes sent" + (notified ? ", buffer-release notification received" : ", no notification yet");
    }

    private static string TryMsgRing()
    {
        const ulong SourceData = 9, TargetData = 0xC0FFEE;
        const int Payload = 0x55;
        using var source = new Ring(new RingOptions { Entries = 4 });
        using var target = new Ring(new RingOptions { Entries = 4 });
        new Ops.MsgRing(target.RingFd, Payload, TargetData).UserData(SourceData).WriteTo(ref source.GetSqe());
        source.Submit();
        if (!TryWaitFor(source, c => c.UserData == SourceData, out Cqe sent))
            throw new TryFailedException("MSG_RING: no completion on the sending ring within 2 s");
        if (sent.Result < 0)
            throw new TryFailedException(Failed("MSG_RING", sent.Result));
        if (!TryWaitFor(target, c => c.UserData == TargetData, out Cqe received))
            throw new TryFailedException("MSG_RING: the target ring got no completion within 2 s");
        if (received.Result != Payload)
            throw new TryFailedException($"MSG_RING: the target ring's completion carries {received.Result}, not {Payload}");
        return "MSG_RING from one ring to another: completion posted on the target";
    }

    private static void Nop(Ring ring)
    {
        const ulong NopData = 42;
        new Ops.Nop().UserData(NopData).WriteTo(ref ring.GetSqe());
        ring.Submit();
        if (!TryWaitFor(ring, c => c.UserData == NopData, out Cqe cqe))
            throw new TryFailedException("NOP: no completion within 2 s");
        if (cqe.Result < 0)
            throw new TryFailedException(Failed("NOP", cqe.Result));
    }

    /// <summary>Reaps completions until one matches, or 2 s pass; others are dropped. Never blocks past the deadline:
    /// a timed wait (EXT_ARG) where the kernel has it, polling otherwise.</summary>
    private static bool TryWaitFor(Ring ring, Predicate<Cqe> match, out Cqe found)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(s_wait.TotalSeconds * Stopwatch.Frequency);
        bool timedWaits = (ring.Features & RingFeatures.ExtArg) != 0;
        while (true)
        {
            while (ring.TryPeekCompletion(out Cqe cqe))
            {
                ring.AdvanceCompletions(1);
                if (match(cqe))
                {
                    found = cqe;
                    return true;
                }
            }
            TimeSpan left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero)
            {
                found = default;
                return false;
            }
            if (timedWaits)
            {
                ring.SubmitAndWait(1, left);
            }
            else
            {
                ring.Submit();
                Thread.Sleep(1);
            }
        }
    }
}
