using System.Text;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Files;

namespace UringSafe.Tests.Files;

public sealed class UringFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("uringsafe-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Write_then_read_with_lend_and_return()
    {
        string path = Path.Combine(_dir, "a.txt");
        UringRuntime.Run(async () =>
        {
            await using UringFile file = await UringFile.CreateAsync(path);
            IoBuffer buf = IoBuffer.CopyFrom("hello from io_uring"u8);
            int n;
            (n, buf) = await file.WriteAtAsync(buf, 0);
            Assert.Equal(19, n);
            Assert.False(buf.IsLent);

            buf.Length = 0;
            (n, buf) = await file.ReadAtAsync(buf, 6);
            Assert.Equal(13, n);
            Assert.Equal(13, buf.Length);
            Assert.Equal("from io_uring", Encoding.ASCII.GetString(buf.Span));
            buf.Dispose();
        });
        Assert.Equal("hello from io_uring", File.ReadAllText(path));
    }

    [Fact]
    public void Arrays_and_memory_are_pinned_for_the_operation()
    {
        string path = Path.Combine(_dir, "b.bin");
        File.WriteAllBytes(path, Enumerable.Range(0, 256).Select(i => (byte)i).ToArray());
        UringRuntime.Run(async () =>
        {
            await using UringFile file = await UringFile.OpenAsync(path);
            byte[] array = new byte[16];
            int n;
            (n, array) = await file.ReadAtAsync(array, 100);
            Assert.Equal(16, n);
            Assert.Equal(100, array[0]);

            Memory<byte> memory = new byte[8];
            (n, memory) = await file.ReadAtAsync(memory, 250);
            Assert.Equal(6, n);
            Assert.Equal(255, memory.Span[5]);
        });
    }

    [Fact]
    public void Vectored_write_then_read_spreads_bytes_over_the_buffers()
    {
        string path = Path.Combine(_dir, "v.txt");
        UringRuntime.Run(async () =>
        {
            await using UringFile file = await UringFile.CreateAsync(path);
            IoBuffer[] parts = [IoBuffer.CopyFrom("vec"u8), IoBuffer.CopyFrom("tored"u8)];
            int n;
            (n, parts) = await file.WriteVectoredAtAsync(parts, 0);
            Assert.Equal(8, n);
            IoBuffer[] into = [IoBuffer.Allocate(3), IoBuffer.Allocate(16)];
            (n, into) = await file.ReadVectoredAtAsync(into, 0);
            Assert.Equal(8, n);
            Assert.Equal("vec", Encoding.ASCII.GetString(into[0].Span));
            Assert.Equal("tored", Encoding.ASCII.GetString(into[1].Span));
            foreach (IoBuffer b in parts.Concat(into))
                b.Dispose();
        });
        Assert.Equal("vectored", File.ReadAllText(path));
    }

    [Fact]
    public void A_missing_file_is_a_clear_error()
    {
        UringRuntime.Run(async () =>
        {
            var ex = await Assert.ThrowsAsync<UringException>(async () => await UringFile.OpenAsync(Path.Combine(_dir, "nope.txt")));
            Assert.Equal(Errno.ENOENT, ex.Errno);
            Assert.Contains("nope.txt", ex.Message);
            Assert.Contains("does not exist", ex.Message);
        });
    }

    [Fact]
    public void An_error_hands_the_buffer_back_on_the_exception()
    {
        string path = Path.Combine(_dir, "ro.txt");
        File.WriteAllText(path, "read only");
        UringRuntime.Run(async () =>
        {
            await using UringFile file = await UringFile.OpenAsync(path); // read-only: a write is EBADF
            IoBuffer buf = IoBuffer.CopyFrom("x"u8);
            try
            {
                (_, buf) = await file.WriteAtAsync(buf, 0);
                Assert.Fail("write to a read-only fd succeeded");
            }
            catch (UringException e)
            {
                Assert.Equal(Errno.EBADF, e.Errno);
                Assert.Equal(file.Fd, e.Fd);
                Assert.Equal("Write", e.Operation);
                buf = ReturnedBuffer.From<IoBuffer>(e)!;
            }
            Assert.False(buf.IsLent);
            Assert.Equal("x", Encoding.ASCII.GetString(buf.Span));
            buf.Dispose();
        });
    }

    [Fact]
    public void Vectored_free_helpers_fsync_statx_truncate_fallocate()
    {
        string path = Path.Combine(_dir, "c.bin");
        UringRuntime.Run(async () =>
        {
            await using UringFile file = await UringFile.CreateAsync(path);
            IoBuffer buf = IoBuffer.CopyFrom(new byte[1000]);
            (_, buf) = await file.WriteAllAtAsync(buf, 0);
            buf.Dispose();
            await file.FsyncAsync();
            await file.FdatasyncAsync();
            FileStatus st = await file.StatxAsync();
            Assert.Equal(1000, st.Size);
            Assert.True(st.IsRegularFile);
            await file.TruncateAsync(10);
            Assert.Equal(10, (await file.StatxAsync()).Size);
            await file.FallocateAsync(0, 8192);
            Assert.Equal(8192, (await file.StatxAsync()).Size);
        });
    }

    [Fact]
    public void Registered_file_and_registered_pool_use_fixed_operations()
    {
        string path = Path.Combine(_dir, "d.txt");
        File.WriteAllText(path, "fixed file, fixed buffer");
        UringRuntime.Run(async () =>
        {
            using var pool = new IoBufferPool(4096, 4);
            if (UringReactor.Current.Driver == ReactorDriver.KernelRing)
                pool.RegisterWith(UringReactor.Current.Ring);
            else // the userspace ring has no kernel ring to register with: the typed error, and plain buffers
                Assert.Throws<KernelRingRequiredException>(() => pool.RegisterWith(UringReactor.Current.Ring));
            await using UringFile file = await UringFile.OpenAsync(path);
            file.Register();
            IoBuffer buf = pool.Rent();
            int n;
            (n, buf) = await file.ReadAtAsync(buf, 0);
            Assert.Equal(24, n);
            Assert.Equal("fixed file, fixed buffer", Encoding.ASCII.GetString(buf.Span));
            buf.Dispose();
            Assert.Equal(0, pool.InUse);
        });
    }

    [Fact]
    public void Directory_operations()
    {
        UringRuntime.Run(async () =>
        {
            string sub = Path.Combine(_dir, "sub");
            await UringDirectory.CreateAsync(sub);
            Assert.True(Directory.Exists(sub));
            string f = Path.Combine(sub, "f");
            await File.WriteAllTextAsync(f, "x");
            await UringDirectory.RenameAsync(f, f + "2");
            Assert.True(File.Exists(f + "2"));
            await UringDirectory.DeleteFileAsync(f + "2");
            await UringDirectory.DeleteAsync(sub);
            Assert.False(Directory.Exists(sub));
            var ex = await Assert.ThrowsAsync<UringException>(async () => await UringDirectory.DeleteAsync(sub));
            Assert.Equal(Errno.ENOENT, ex.Errno);
        });
    }

    [Fact]
    public void Dma_file_reads_return_owned_buffers_with_exactly_the_bytes_asked_for()
    {
        // O_DIRECT needs a file system that supports it; the repo's own directory (not tmpfs) is the safest bet.
        string path = Path.Combine(AppContext.BaseDirectory, "dma-" + Guid.NewGuid().ToString("N"));
        byte[] data = Enumerable.Range(0, 3 * 4096).Select(i => (byte)(i * 7)).ToArray();
        File.WriteAllBytes(path, data);
        try
        {
            UringRuntime.Run(async () =>
            {
                if (UringReactor.Current.Driver != ReactorDriver.KernelRing)
                {
                    // O_DIRECT through the kernel ring only: the userspace ring says so.
                    await Assert.ThrowsAsync<KernelRingRequiredException>(async () => await DmaFile.OpenAsync(path));
                    return;
                }
                await using DmaFile dma = await DmaFile.OpenAsync(path);
                using IoBuffer first = await dma.ReadAtAsync(0, 1024);
                Assert.Equal(1024, first.Length);
                Assert.True(first.Span.SequenceEqual(data.AsSpan(0, 1024)));
                using IoBuffer unaligned = await dma.ReadAtAsync(5000, 100);
                Assert.True(unaligned.Span.SequenceEqual(data.AsSpan(5000, 100)));
                using IoBuffer tail = await dma.ReadAtAsync(3 * 4096 - 10, 100);
                Assert.Equal(10, tail.Length);
            });
        }
        finally
        {
            File.Delete(path);
        }
    }
}
