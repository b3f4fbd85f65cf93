using UringSafe.Buffers;

namespace UringSafe.Tests.Buffers;

public sealed class IoBufferTests
{
    [Fact]
    public void A_disposed_buffer_refuses_access_and_a_second_dispose_does_nothing()
    {
        IoBuffer b = IoBuffer.Allocate(64);
        b.Dispose();
        Assert.True(b.IsReleased);
        var ex = Assert.Throws<ObjectDisposedException>(() => b.Span.Length);
        Assert.Contains("already returned", ex.Message);
        b.Dispose(); // .NET's rule: Dispose may be called more than once
        Assert.True(b.IsReleased);
    }

    [Fact]
    public void A_pool_buffer_disposed_twice_goes_back_once_and_the_pool_is_intact()
    {
        using var pool = new IoBufferPool(128, 2);
        IoBuffer a = pool.Rent();
        a.Dispose();
        a.Dispose();
        Assert.Equal(0, pool.InUse);
        IoBuffer x = pool.Rent(), y = pool.Rent();
        Assert.False(pool.TryRent(out _)); // the repeated Dispose did not add a phantom slot
        Assert.Throws<ObjectDisposedException>(() => a.FullSpan.Length); // the stale handle stays dead
        x.Dispose();
        y.Dispose();
    }

    [Fact]
    public void A_stale_handle_cannot_return_the_slot_it_shared_with_a_later_rent()
    {
        using var pool = new IoBufferPool(128, 1);
        IoBuffer first = pool.Rent();
        first.Dispose();
        IoBuffer second = pool.Rent(); // the same slot, a fresh handle
        second.Write("mine"u8);
        first.Dispose();               // the stale handle: nothing happens to the slot
        Assert.Equal(1, pool.InUse);
        Assert.False(pool.TryRent(out _)); // so nobody else can rent it while 'second' owns it
        Assert.True(second.Span.SequenceEqual("mine"u8));
        second.Dispose();
        Assert.Equal(0, pool.InUse);
        using IoBuffer third = pool.Rent();
        Assert.False(pool.TryRent(out _)); // one slot, returned exactly once
    }

    [Fact]
    public void Dispose_of_a_lent_buffer_still_throws()
    {
        IoBuffer b = IoBuffer.Allocate(64);
        b.BeginLend(null);
        Assert.Throws<BufferLentException>(() => b.Dispose());
        b.EndLend(0);
        b.Dispose();
    }

    [Fact]
    public void Buffers_of_a_disposed_pool_are_invalidated()
    {
        var pool = new IoBufferPool(128, 2);
        IoBuffer a = pool.Rent();
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => a.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
    }

    [Fact]
    public void Length_is_bounded_by_capacity()
    {
        using IoBuffer b = IoBuffer.Allocate(16);
        Assert.Throws<ArgumentOutOfRangeException>(() => b.Length = 17);
        b.Write("abc"u8);
        Assert.Equal(3, b.Length);
    }
}
