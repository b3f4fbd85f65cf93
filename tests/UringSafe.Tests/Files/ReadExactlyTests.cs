using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Files;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Files;

/// <summary>
/// <see cref="UringFile.ReadExactlyAtAsync"/>: reads again after a short read (a pipe gives one on demand) until the count
/// is in the buffer, and at the end of the file first throws an EndOfStreamException that hands the buffer back.
/// </summary>
public sealed class ReadExactlyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("uringsafe-exactly-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Reads_again_after_a_short_read_until_the_count_is_there()
    {
        using var fds = new Fds();
        var (readEnd, writeEnd) = fds.Pipe();
        Watchdog.Run("read exactly from a pipe", async () =>
        {
            using UringFile pipe = UringFile.FromFd(fds.Forget(readEnd), "a pipe written in two parts");
            Fds.WriteAll(writeEnd, "hello "u8);                  // the first read can only get these 6 bytes: a short read
            IoBuffer buf = IoBuffer.Allocate(64);
            ValueTask<IoResult<IoBuffer>> read = pipe.ReadExactlyAtAsync(buf, -1, 11);
            await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(50));
            Fds.WriteAll(writeEnd, "world, and more"u8);
            int n;
            (n, buf) = await read;
            Assert.Equal(11, n);
            Assert.Equal(11, buf.Length);
            Assert.Equal("hello world"u8.ToArray(), buf.Span.ToArray());
            buf.Dispose();
        });
    }

    [Fact]
    public void Reads_a_file_range_exactly()
    {
        string path = Path.Combine(_dir, "range.txt");
        File.WriteAllText(path, "0123456789abcdef");
        Watchdog.Run("read exactly from a file", async () =>
        {
            await using UringFile file = await UringFile.OpenAsync(path);
            IoBuffer buf = IoBuffer.Allocate(4096);
            int n;
            (n, buf) = await file.ReadExactlyAtAsync(buf, 10, 6);
            Assert.Equal(6, n);
            Assert.Equal("abcdef"u8.ToArray(), buf.Span.ToArray());
            buf.Dispose();
        });
    }

    [Fact]
    public void The_end_of_the_file_first_throws_EndOfStream_with_the_buffer_and_what_was_read()
    {
        string path = Path.Combine(_dir, "short.txt");
        File.WriteAllText(path, "0123456789");
        Watchdog.Run("read exactly past the end", async () =>
        {
            await using UringFile file = await UringFile.OpenAsync(path);
            IoBuffer buf = IoBuffer.Allocate(4096);
            var e = await Assert.ThrowsAsync<UringEndOfFileException>(async () => (_, buf) = await file.ReadExactlyAtAsync(buf, 4, 20));
            Assert.IsAssignableFrom<EndOfStreamException>(e);
            buf = ReturnedBuffer.From<IoBuffer>(e)!;
            Assert.Equal("456789"u8.ToArray(), buf.Span.ToArray());
            Assert.Contains($"ReadExactlyAt on {path} (opened ReadOnly): the file ended after 6 of 20 bytes from offset 4", e.Message);
            buf.Dispose();
        });
    }

    [Fact]
    public void A_count_beyond_the_buffer_is_refused_before_anything_is_lent()
    {
        Watchdog.Run("count beyond the capacity", async () =>
        {
            string path = Path.Combine(_dir, "any.txt");
            File.WriteAllText(path, "x");
            await using UringFile file = await UringFile.OpenAsync(path);
            IoBuffer buf = IoBuffer.Allocate(16);
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => (_, buf) = await file.ReadExactlyAtAsync(buf, 0, 17));
            Assert.False(buf.IsLent);
            buf.Dispose();
        });
    }
}
