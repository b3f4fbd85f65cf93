using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;

namespace UringSafe.AspNetCore.Tests;

/// <summary>
/// A memory pool for the transport's pipes that counts the pins on every block and records each block that comes
/// back to the pool while still pinned, i.e. while a send may still read it (the ownership rule under test).
/// </summary>
internal sealed class TrackingMemoryPool : MemoryPool<byte>, IMemoryPoolFactory<byte>
{
    private const int BlockSize = 4096;
    private long _rented, _returned;

    public ConcurrentQueue<string> Violations { get; } = new();

    public long Rented => Interlocked.Read(ref _rented);

    public long Returned => Interlocked.Read(ref _returned);

    public override int MaxBufferSize => BlockSize;

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => this;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        Interlocked.Increment(ref _rented);
        return new Block(this, Math.Max(BlockSize, minBufferSize));
    }

    protected override void Dispose(bool disposing)
    {
        // shared by every pipe of the server; nothing to free (blocks are plain pinned arrays)
    }

    private sealed unsafe class Block(TrackingMemoryPool pool, int size) : MemoryManager<byte>
    {
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(size, pinned: true);
        private int _pins;
        private int _returned;

        public override Span<byte> GetSpan()
        {
            if (Volatile.Read(ref _returned) != 0)
                pool.Violations.Enqueue("a block was used after it went back to the pool");
            return _array;
        }

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            if (Volatile.Read(ref _returned) != 0)
                pool.Violations.Enqueue("a block was pinned after it went back to the pool");
            Interlocked.Increment(ref _pins);
            return new MemoryHandle(Unsafe.AsPointer(ref _array[elementIndex]), default, this);
        }

        public override void Unpin() => Interlocked.Decrement(ref _pins);

        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Exchange(ref _returned, 1) != 0)
                return;
            int pins = Volatile.Read(ref _pins);
            if (pins != 0)
                pool.Violations.Enqueue($"a block went back to the pool with {pins} pin(s) held (a send in flight could still read it)");
            Interlocked.Increment(ref pool._returned);
        }
    }
}
