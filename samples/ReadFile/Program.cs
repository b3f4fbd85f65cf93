// The seed article's tokio-uring example, in C#: open a file and read its first KiB through the reactor's io_uring.
//
//   #[tokio_uring::main] async fn main() -> io::Result<()> {
//       let file = File::open("test.txt").await?;
//       let buf = vec![0u8; 1024];
//       let (result, buf) = file.read_at(buf, 0).await;   // the buffer goes to the kernel and comes back
//       let bytes_read = result?;
//       println!("Read {} bytes", bytes_read);
//       Ok(())
//   }
//
// usage: ReadFile [path]   (default test.txt)
using UringSafe;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Files;

string path = args.Length > 0 ? args[0] : "test.txt";

try
{
    ReadFirstKiB(path);
    return 0;
}
catch (UringUnavailableException e)
{
    // io_uring is missing or blocked (old kernel, sysctl, seccomp): the message says which and how to fix it.
    Console.Error.WriteLine($"ReadFile: {e.Message}");
    return 3;
}
catch (UringException e)
{
    // e.g. "Open('test.txt') failed: No such file or directory (ENOENT, errno 2). The file does not exist ..."
    Console.Error.WriteLine($"ReadFile: {e.Message}");
    return 1;
}

// The example itself: a reactor on this thread runs the async main until it completes (tokio_uring::start).
static void ReadFirstKiB(string path) => UringRuntime.Run(async () =>
{
    await using UringFile file = await UringFile.OpenAsync(path);
    IoBuffer buf = IoBuffer.Allocate(1024);
    int n;
    // Lend-and-return: the kernel owns buf until the read completes; the result hands it back.
    (n, buf) = await file.ReadAtAsync(buf, 0);
    Console.WriteLine($"Read {n} bytes");
    buf.Dispose();
});
