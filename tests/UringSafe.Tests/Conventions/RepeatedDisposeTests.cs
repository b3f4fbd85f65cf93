using System.Net;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Files;
using UringSafe.Net;
using UringSafe.Raw;
using UringSafe.Tests.Support;
using static UringSafe.Tests.Support.RepeatedDispose;

namespace UringSafe.Tests.Conventions;

/// <summary>
/// Dispose may be called more than once (.NET's rule): for every public disposable type of the runtime, a repeated
/// Dispose/DisposeAsync does nothing, and using a disposed instance is still an <see cref="ObjectDisposedException"/>.
/// A new public disposable type without a case here fails <see cref="Every_public_disposable_type_has_a_case"/>.
/// </summary>
public sealed class RepeatedDisposeTests
{
    private static readonly IPEndPoint Loopback0 = new(IPAddress.Loopback, 0);

    /// <summary>Cases that run on a reactor (<see cref="UringRuntime.Run(Func{Task}, ReactorOptions?)"/>).</summary>
    private static readonly Dictionary<Type, Func<Task>> OnReactor = new()
    {
        [typeof(IoBuffer)] = async () =>
        {
            await Twice(() => IoBuffer.Allocate(64), b => _ = b.Span.Length);
            using var pool = new IoBufferPool(64, 2);
            await Twice(() => pool.Rent(), b => _ = b.Span.Length);
            Assert.Equal(0, pool.InUse);
        },
        [typeof(IoBufferPool)] = async () =>
        {
            await Twice(() => new IoBufferPool(64, 2), p => p.Rent());
            if (UringReactor.Current.Driver != ReactorDriver.KernelRing)
                return; // nothing registers on the userspace ring
            await Twice(() => // registered with the reactor's ring (READ_FIXED/WRITE_FIXED)
            {
                var pool = new IoBufferPool(64, 2);
                pool.RegisterWith(UringReactor.Current.Ring);
                return pool;
            }, p => p.Rent());
        },
        [typeof(ProvidedBufferPool)] = () => Twice(() => new ProvidedBufferPool(64, 4)),
        [typeof(ReceivedBuffer)] = async () =>
        {
            var (listener, client, server) = await TcpPair();
            using var pool = new ProvidedBufferPool(64, 4);
            await TwiceAsync(async () =>
            {
                byte[] x = "x"u8.ToArray();
                (_, x) = await client.WriteAllAsync(x);
                return await server.ReceiveAsync(pool);
            }, r =>
            {
                _ = r.Span.Length;
                return Task.CompletedTask;
            });
            Assert.Equal(0, pool.Leased);
            await DisposeAll(client, server, listener);
        },
        [typeof(UringTcpStream)] = async () =>
        {
            using var listener = UringTcpListener.Bind(Loopback0);
            await TwiceAsync(() => UringTcpStream.ConnectAsync(listener.LocalEndPoint).AsTask(), s => s.WriteAsync(new byte[1]).AsTask());
        },
        [typeof(UringUnixStream)] = async () =>
        {
            string path = TempPath("sock");
            await using var listener = await UringUnixListener.BindAsync(path);
            await TwiceAsync(() => UringUnixStream.ConnectAsync(path).AsTask(), s => s.WriteAsync(new byte[1]).AsTask());
        },
        [typeof(UringTcpListener)] = () => Twice(() => UringTcpListener.Bind(Loopback0), l => l.AcceptAsync().AsTask()),
        [typeof(UringUnixListener)] = () => TwiceAsync(() => UringUnixListener.BindAsync(TempPath("sock")).AsTask(), l => l.AcceptAsync().AsTask()),
        [typeof(UringUdpSocket)] = () => Twice(() => UringUdpSocket.Bind(Loopback0), u => u.ReceiveFromAsync(IoBuffer.Allocate(16)).AsTask()),
        [typeof(UringNetworkStream)] = async () =>
        {
            using var listener = UringTcpListener.Bind(Loopback0);
            await TwiceAsync(async () => new UringNetworkStream(await UringTcpStream.ConnectAsync(listener.LocalEndPoint)), s => s.ReadAsync(new byte[1]).AsTask());
        },
        [typeof(UringDuplexPipe)] = async () =>
        {
            using var listener = UringTcpListener.Bind(Loopback0);
            await TwiceAsync(async () => new UringDuplexPipe(await UringTcpStream.ConnectAsync(listener.LocalEndPoint)));
        },
        [typeof(UringFile)] = async () =>
        {
            string path = TempPath("file");
            try
            {
                await TwiceAsync(() => UringFile.CreateAsync(path).AsTask(), f => f.FsyncAsync().AsTask());
            }
            finally
            {
                File.Delete(path);
            }
        },
        [typeof(DmaFile)] = async () =>
        {
            // O_DIRECT needs a file system that supports it: the build output's, not tmpfs.
            string path = Path.Combine(AppContext.BaseDirectory, "dispose-dma-" + Guid.NewGuid().ToString("N"));
            File.WriteAllBytes(path, new byte[DmaFile.Alignment]);
            try
            {
                if (UringReactor.Current.Driver != ReactorDriver.KernelRing)
                    await Assert.ThrowsAsync<KernelRingRequiredException>(async () => await DmaFile.OpenAsync(path)); // no DmaFile to dispose there
                else
                    await TwiceAsync(() => DmaFile.OpenAsync(path).AsTask(), d => d.ReadAtAsync(0, 16).AsTask());
            }
            finally
            {
                File.Delete(path);
            }
        },
        [typeof(Ring)] = () => Twice(() => new Ring(8), r => r.Submit()),
        [typeof(BufferRing)] = async () =>
        {
            using var ring = new Ring(8);
            await Twice(() => ring.SetupBufferRing(groupId: 7, entries: 8), b => b.Add(0, 1, 0));
            // Disposed after its ring: still nothing to throw (the ring already dropped the registration).
            var early = new Ring(8);
            BufferRing orphan = early.SetupBufferRing(groupId: 8, entries: 8);
            early.Dispose();
            orphan.Dispose();
            orphan.Dispose();
        },
        [typeof(UringExecutor)] = () => Twice(() => new UringExecutor(1, pinToCores: false), e => e.Spawn(0, () => Task.CompletedTask)),
    };

    /// <summary>Cases that need a thread of their own (a thread runs at most one reactor).</summary>
    private static readonly Dictionary<Type, Action> OnOwnThread = new()
    {
        [typeof(UringReactor)] = () => Twice(() => new UringReactor(), r => r.Spawn(() => Task.CompletedTask)).GetAwaiter().GetResult(),
    };

    [Fact]
    public void Every_public_disposable_type_has_a_case()
        => AssertEveryTypeHasACase(typeof(Ring).Assembly, OnReactor.Keys.Concat(OnOwnThread.Keys));

    public static TheoryData<string> ReactorCases => new(OnReactor.Keys.Select(t => t.Name));

    public static TheoryData<string> ThreadCases => new(OnOwnThread.Keys.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(ReactorCases))]
    public void A_repeated_dispose_does_nothing(string type)
        => Watchdog.Run($"repeated dispose of {type}", OnReactor.Single(c => c.Key.Name == type).Value);

    [Theory]
    [MemberData(nameof(ThreadCases))]
    public void A_repeated_dispose_does_nothing_on_its_own_thread(string type)
        => Watchdog.RunThread($"repeated dispose of {type}", OnOwnThread.Single(c => c.Key.Name == type).Value);

    private static async Task<(UringTcpListener, UringTcpStream Client, UringTcpStream Server)> TcpPair()
    {
        var listener = UringTcpListener.Bind(Loopback0);
        Task<UringTcpStream> accept = listener.AcceptAsync().AsTask();
        var client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint);
        return (listener, client, await accept);
    }

    private static async Task DisposeAll(params IAsyncDisposable[] items)
    {
        foreach (IAsyncDisposable item in items)
            await item.DisposeAsync();
    }

    private static string TempPath(string kind) => Path.Combine(Path.GetTempPath(), $"uringsafe-dispose-{kind}-{Guid.NewGuid():N}");
}
