// Copies a file through io_uring with several reads and writes in flight: N copy loops on one reactor, each with its
// own pooled buffer that goes to the kernel for the read, comes back, goes to the kernel for the write, comes back.
//
// usage: CopyFile <src> <dst> [--inflight N] [--chunk BYTES] [--fixed]
//   --inflight N    chunks in flight at once (default 8)
//   --chunk BYTES   chunk size, e.g. 131072, 128K, 1M (default 128K)
//   --fixed         register the buffer pool and both files with the ring (READ_FIXED / WRITE_FIXED, fixed files)
using System.Diagnostics;
using System.Globalization;
using UringSafe;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Files;

const string Usage = "usage: CopyFile <src> <dst> [--inflight N] [--chunk BYTES] [--fixed]";

string? src = null, dst = null;
int inflight = 8, chunk = 128 * 1024;
bool registered = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--inflight" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int q) && q is >= 1 and <= 1024:
            inflight = q;
            i++;
            break;
        case "--chunk" when i + 1 < args.Length && ParseSize(args[i + 1]) is int c and >= 512 and <= 64 << 20:
            chunk = c;
            i++;
            break;
        case "--fixed":
            registered = true;
            break;
        case "-h" or "--help":
            Console.WriteLine(Usage);
            return 0;
        case var a when a.StartsWith("--", StringComparison.Ordinal):
            Console.Error.WriteLine($"CopyFile: bad option or value near '{a}' (--inflight takes 1..1024, --chunk 512 bytes..64M)");
            Console.Error.WriteLine(Usage);
            return 2;
        case var a when src is null:
            src = a;
            break;
        case var a when dst is null:
            dst = a;
            break;
        default:
            Console.Error.WriteLine(Usage);
            return 2;
    }
}
if (src is null || dst is null)
{
    Console.Error.WriteLine(Usage);
    return 2;
}
if (Path.GetFullPath(src) == Path.GetFullPath(dst))
{
    Console.Error.WriteLine($"CopyFile: '{src}' and '{dst}' are the same file.");
    return 1;
}

try
{
    return RunCopy(src, dst, inflight, chunk, registered);
}
catch (UringUnavailableException e)
{
    Console.Error.WriteLine($"CopyFile: {e.Message}");
    return 3;
}
catch (UringException e)
{
    Console.Error.WriteLine($"CopyFile: {e.Message}");
    return 1;
}

// One reactor on this thread runs the copy until it completes.
static int RunCopy(string srcPath, string dstPath, int inflight, int chunk, bool registered)
    => UringRuntime.Run(() => Copy(srcPath, dstPath, inflight, chunk, registered));

static async Task<int> Copy(string srcPath, string dstPath, int inflight, int chunk, bool registered)
{
    await using UringFile src = await UringFile.OpenAsync(srcPath);
    FileStatus status = await src.StatxAsync();
    if (!status.IsRegularFile)
    {
        Console.Error.WriteLine($"CopyFile: '{srcPath}' is {(status.IsDirectory ? "a directory" : "not a regular file")}.");
        return 1;
    }
    long size = status.Size;

    // No O_TRUNC: an existing destination is overwritten in place and cut to size at the end, so even a second name
    // (a hard link) for the source could not lose data by being truncated before it was read.
    await using UringFile dst = await UringFile.OpenAsync(dstPath, OpenFlags.WriteOnly | OpenFlags.Create, status.Mode);

    using var pool = new IoBufferPool(chunk, inflight);
    if (registered && UringReactor.Current.Driver == ReactorDriver.KernelRing) // the userspace ring has no registered buffers
    {
        pool.RegisterWith(UringReactor.Current.Ring);
        src.Register();
        dst.Register();
    }

    var progress = new Progress(size);
    long next = 0;          // the next chunk to claim; every loop runs on this reactor thread, so no locking
    bool failed = false;

    async Task CopyLoop()
    {
        IoBuffer buf = pool.Rent();
        try
        {
            while (!failed && next < size)
            {
                long offset = next;
                long end = Math.Min(offset + chunk, size);
                next = end;
                // Usually one read and one write; a short read (EOF moved, signals) continues where it stopped.
                for (long pos = offset; pos < end;)
                {
                    int n;
                    (n, buf) = await src.ReadAtAsync(buf, pos);
                    if (n == 0)
                    {
                        buf.Dispose();
                        throw new IOException($"'{srcPath}' ended at {pos:N0} bytes while {size:N0} were expected: it shrank during the copy.");
                    }
                    buf.Length = (int)Math.Min(n, end - pos);   // a read after a short one may run past this chunk
                    int written;
                    (written, buf) = await dst.WriteAllAtAsync(buf, pos);
                    pos += written;
                    progress.Add(written);
                }
            }
        }
        catch (Exception e)
        {
            failed = true;   // the other loops stop claiming chunks
            ReturnedBuffer.From<IoBuffer>(e)?.Dispose();   // a failed read or write handed the buffer back
            throw;
        }
        buf.Dispose();
    }

    var loops = new Task[Math.Max(1, (int)Math.Min(inflight, (size + chunk - 1) / chunk))];
    for (int i = 0; i < loops.Length; i++)
        loops[i] = CopyLoop();
    try
    {
        await Task.WhenAll(loops);
    }
    catch (Exception e)
    {
        progress.EndLine();   // end the progress line before the error is printed
        if (e is not IOException || e is UringException)
            throw;
        Console.Error.WriteLine($"CopyFile: {e.Message}");
        return 1;
    }

    // Verify: everything was written, the source did not change size, and the destination has exactly that size.
    FileStatus srcAfter = await src.StatxAsync();
    FileStatus dstAfter = await dst.StatxAsync();
    if (dstAfter.Size > size)
    {
        await Truncate(dst, size);
        dstAfter = await dst.StatxAsync();
    }
    progress.Finish();
    if (progress.Bytes != size || srcAfter.Size != size || dstAfter.Size != size)
    {
        Console.Error.WriteLine($"CopyFile: size check failed: source {size:N0} bytes at the start, {srcAfter.Size:N0} now; "
            + $"{progress.Bytes:N0} copied; destination {dstAfter.Size:N0}.");
        return 1;
    }
    Console.WriteLine($"Copied {size:N0} bytes in {progress.Seconds:0.000} s ({progress.Rate:N1} MB/s), '{srcPath}' -> '{dstPath}', "
        + $"{inflight} in flight, {chunk / 1024} KiB chunks{(registered ? ", registered buffers and files" : "")}; sizes match.");
    return 0;
}

// An existing, longer destination is cut to the source's size: IORING_OP_FTRUNCATE (6.9+), else ftruncate(2).
static async ValueTask Truncate(UringFile file, long size)
{
    try
    {
        await file.TruncateAsync(size);
    }
    catch (OperationNotSupportedException)
    {
        using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(file.Fd, ownsHandle: false);
        RandomAccess.SetLength(handle, size);
    }
}

static int? ParseSize(string s)
{
    long mul = 1;
    if (s.EndsWith('K') || s.EndsWith('k'))
        mul = 1024;
    else if (s.EndsWith('M') || s.EndsWith('m'))
        mul = 1024 * 1024;
    if (mul != 1)
        s = s[..^1];
    return long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long v) && v * mul <= int.MaxValue ? (int)(v * mul) : null;
}

/// <summary>Bytes copied so far, shown as one line (percentage and MB/s) at most every 200 ms.</summary>
internal sealed class Progress(long total)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastPrint;
    private bool _shown;

    public long Bytes { get; private set; }

    public void Add(long bytes)
    {
        Bytes += bytes;
        long now = _clock.ElapsedMilliseconds;
        if (now - _lastPrint < 200)
            return;   // small files finish before the first 200 ms and never show a progress line
        _lastPrint = now;
        _shown = true;
        Console.Write($"\r{100.0 * Bytes / Math.Max(1, total),5:0.0}%  {Bytes / 1e6,10:N1} of {total / 1e6:N1} MB  {Rate,8:N1} MB/s ");
    }

    public void EndLine()
    {
        if (_shown)
            Console.WriteLine();
        _shown = false;
    }

    public void Finish()
    {
        if (_shown)
            Console.Write($"\r100.0%  {Bytes / 1e6,10:N1} of {total / 1e6:N1} MB  {Rate,8:N1} MB/s ");
        EndLine();
        Seconds = _clock.Elapsed.TotalSeconds;
    }

    public double Seconds { get; private set; }

    public double Rate => Bytes / 1e6 / Math.Max(Seconds > 0 ? Seconds : _clock.Elapsed.TotalSeconds, 1e-6);
}
