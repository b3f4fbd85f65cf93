using UringSafe.Buffers;

namespace UringSafe.Tests.Buffers;

public sealed class IoBufferTests
{
    [Fact]
    public void A_disposed_buffer_refuses_access_and_a_second_dispose()
    {
        IoBuffer b = IoBuffer.Allocate(64);
        b.Dispose();
        Assert.True(b.IsReleased);
        Assert.Throws<ObjectDisposedException>(() => b.Span.Length);
        var ex = Assert.Throws<ObjectDisposedException>(() => b.Dispose());
        Assert.Contains("already returned", ex.Message);
    }

    [Fact]
    public void A_pool_buffer_returned_twice_is_a_clear_error_and_the_pool_is_intact()
    {
        using var pool = new IoBufferPool(128, 2);
        IoBuffer a = pool.Rent();
        a.Dispose();
        Assert.Throws<ObjectDisposedException>(() => a.Dispose());
        Assert.Equal(0, pool.InUse);
        IoBuffer x = pool.Rent(), y = pool.Rent();
        Assert.False(pool.TryRent(out _)); // the double return did not add a phantom slot
        Assert.Throws<ObjectDisposedException>(() => a.FullSpan.Length); // the stale handle stays dead
        x.Dispose();
        y.Dispose();
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
