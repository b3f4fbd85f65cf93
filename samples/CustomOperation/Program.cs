// Declaring your own lend-and-return io_uring operations with [UringOperation] (see Operations.cs): the generator writes
// the method bodies and operation structs (build with -p:EmitCompilerGeneratedFiles=true to see them under obj/), and the
// ownership analyzers check that callers take every lent buffer back from the result.
using System.Text;
using CustomOperation;
using UringSafe;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Files;

string path = Path.Combine(Path.GetTempPath(), $"uringsafe-custom-{Environment.ProcessId}.txt");
File.WriteAllText(path, "The quick brown fox jumps over the lazy dog.\n");

try
{
    UringRuntime.Run(async () =>
    {
        // 1. A static operation: write to stdout through io_uring, then take the buffer back.
        IoBuffer buf = IoBuffer.CopyFrom("hello from a user-declared io_uring operation\n"u8);
        int n;
        (n, buf) = await Stdout.WriteAsync(buf);
        Console.WriteLine($"Stdout.WriteAsync: {n} bytes written; the buffer is back (Length {buf.Length}, IsLent {buf.IsLent})");
        buf.Dispose();

        // 2. An instance operation with a linked timeout, on a file opened by UringFile.
        await using (UringFile file = await UringFile.OpenAsync(path))
        {
            var reader = new PositionalReader(file.Fd);
            byte[] word = new byte[3];
            (n, word) = await reader.ReadAtAsync(word, 16, TimeSpan.FromSeconds(1));
            Console.WriteLine($"PositionalReader.ReadAtAsync(offset 16): {n} bytes: \"{Encoding.ASCII.GetString(word, 0, n)}\"");
        }

        // 3. A failing operation: the exception carries the buffer back.
        await ReadFromBadDescriptor();
    });
}
finally
{
    File.Delete(path);
}

static async Task ReadFromBadDescriptor()
{
    byte[] buffer = new byte[16];
    try
    {
        (_, buffer) = await new PositionalReader(-1).ReadAtAsync(buffer, 0, TimeSpan.FromSeconds(1));
    }
    catch (UringException e)
    {
        buffer = ReturnedBuffer.From<byte[]>(e)!;
        Console.WriteLine($"PositionalReader.ReadAtAsync on fd -1: {e.ErrnoName}; the {buffer.Length}-byte array came back on the exception");
    }
}
