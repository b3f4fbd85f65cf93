// The seed article's glommio example, in C#: a direct (O_DIRECT, no page cache) read on a thread-per-core executor.
//
//   LocalExecutorBuilder::default().spawn(|| async move {
//       let file = DmaFile::open("test.txt").await.unwrap();
//       let buffer = file.read_at(0, 1024).await.unwrap();
//       println!("Read {} bytes", buffer.len());
//   }).unwrap().join().unwrap();
//
// usage: DmaRead [path]   (default test.txt; O_DIRECT needs a file system that supports it, e.g. ext4/xfs/btrfs)
using UringSafe;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Files;

string path = args.Length > 0 ? args[0] : "test.txt";

try
{
    // One reactor on its own thread (glommio's LocalExecutorBuilder::default()).
    using var executor = new UringExecutor(1);

    // spawn(...).join(): run the work on reactor 0 and wait for it here.
    executor.Spawn(0, async () =>
    {
        await using DmaFile file = await DmaFile.OpenAsync(path);
        using IoBuffer buffer = await file.ReadAtAsync(0, 1024);   // a fresh, aligned buffer that we own
        Console.WriteLine($"Read {buffer.Length} bytes");
    }).GetAwaiter().GetResult();
    return 0;
}
catch (UringUnavailableException e)
{
    Console.Error.WriteLine($"DmaRead: {e.Message}");
    return 3;
}
catch (KernelRingRequiredException e)
{
    // io_uring is blocked here (a container's seccomp profile, say), so the reactor runs the userspace ring, which has
    // no O_DIRECT path: the message names the cause and the fix.
    Console.Error.WriteLine($"DmaRead: {e.Message}");
    return 3;
}
catch (UringException e)
{
    // A missing file (ENOENT), or a file system without O_DIRECT (EINVAL; DmaFile's message says what to do).
    Console.Error.WriteLine($"DmaRead: {e.Message}");
    return 1;
}
