// The seed article's "stick shift" example: the raw ring, one read, by hand.
// Rust original: IoUring::new(256), opcode::Read::new(fd, buf, len).build().user_data(0x42), submit_and_wait(1).
using System.Text;
using UringSafe;
using UringSafe.Abi;
using UringSafe.Raw;
using UringSafe.Raw.Ops;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: RawRing <file>    reads the first 1 KiB of <file> through a raw io_uring");
    return 2;
}

string path = args[0];
Microsoft.Win32.SafeHandles.SafeFileHandle file;
try
{
    file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
}
catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
{
    Console.Error.WriteLine($"RawRing: cannot open '{path}': {e.Message}");
    return 1;
}

using (file)
{
    Ring ring;
    try
    {
        // A ring that can hold 256 requests.
        ring = new Ring(256);
    }
    catch (UringUnavailableException e)
    {
        Console.Error.WriteLine($"RawRing: {e.Message}");
        return 3;
    }

    using (ring)
    {
        // A pinned buffer: the kernel writes into it after Submit, so the GC must not move it.
        byte[] buf = GC.AllocateArray<byte>(1024, pinned: true);
        int fd = (int)file.DangerousGetHandle();
        unsafe
        {
            fixed (byte* p = buf)
            {
                // Prepare the read, tag it 0x42, push it on the submission queue.
                Sqe read = new Read(fd, (nint)p, (uint)buf.Length).Offset(0).Build().WithUserData(0x42);
                if (!ring.TryPush(read))
                    throw new SubmissionQueueFullException(ring.SqEntries);

                // Submit and wait for one completion, then take it off the completion queue.
                ring.SubmitAndWait(1);
                Cqe cqe = ring.WaitCompletion();
                ring.AdvanceCompletions(1);

                Console.WriteLine($"Read complete, return value: {cqe.Result} (user_data 0x{cqe.UserData:x})");
                if (cqe.Result < 0)
                {
                    var error = UringException.FromResult(cqe.Result, Read.CODE, fd);
                    Console.Error.WriteLine($"RawRing: {error.Message}");
                    return 1;
                }
                Console.WriteLine($"First {cqe.Result} bytes of {path}:");
                Console.WriteLine(Printable(buf.AsSpan(0, cqe.Result)));
            }
        }
    }
}
return 0;

// Shows text as text and anything else as a hex dump of the first bytes.
static string Printable(ReadOnlySpan<byte> data)
{
    int binary = 0;
    foreach (byte b in data)
        if (b < 0x09 || (b > 0x0d && b < 0x20)) binary++;
    if (binary == 0)
        return Encoding.UTF8.GetString(data);
    return Convert.ToHexString(data[..Math.Min(64, data.Length)]) + (data.Length > 64 ? "..." : "") + $"  ({binary} non-text bytes)";
}
