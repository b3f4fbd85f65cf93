using System.Net.Sockets;
using System.Text;
using UringSafe.Raw;

namespace UringSafe.Samples.Tests;

/// <summary>
/// Each sample does what its header says. Run normally, they use the kernel's io_uring; under .ci/run's seccomp filter
/// (io_uring blocked, as in Docker's default profile) the same programs must work on the userspace driver that
/// <c>ReactorDriver.Auto</c> picks by itself, and the two that need the kernel ring (RawRing, DmaRead's O_DIRECT) must
/// say so with a typed error instead.
/// </summary>
public class SampleTests
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    /// <summary>True when this process (and so the samples it starts) can set up a kernel ring.</summary>
    private static bool KernelRing => Ring.IsSupported;

    private static string RepoFile(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir.FullName, "UringSafe.sln")))
            dir = dir.Parent!;
        return Path.Combine(dir.FullName, name);
    }

    [Fact]
    public void ReadFile_reads_the_first_KiB_of_the_README()
    {
        var (code, output, error) = SampleProcess.Run("ReadFile", RepoFile("README.md"));
        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        Assert.Contains("Read 1024 bytes", output);
    }

    [Fact]
    public void CopyFile_copies_a_file_exactly()
    {
        string src = Path.GetTempFileName(), dst = src + ".copy";
        try
        {
            byte[] data = new byte[3 * 1024 * 1024 + 4321];
            new Random(7).NextBytes(data);
            File.WriteAllBytes(src, data);
            var (code, output, error) = SampleProcess.Run("CopyFile", src, dst, "--inflight", "4", "--chunk", "64K");
            Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
            Assert.Equal(data, File.ReadAllBytes(dst));
        }
        finally
        {
            File.Delete(src);
            File.Delete(dst);
        }
    }

    [Fact]
    public void CustomOperation_runs_its_declared_operations()
    {
        var (code, output, error) = SampleProcess.Run("CustomOperation");
        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        Assert.Contains("Stdout.WriteAsync", output);
    }

    [Fact]
    public void EchoServer_echoes_and_stops_on_SIGTERM()
    {
        int port = SampleProcess.FreePort();
        using var server = SampleProcess.Start("EchoServer", "127.0.0.1", port.ToString(), "--reactors", "2");
        server.WaitForPort(port, s_limit);
        using (var client = new TcpClient())
        {
            client.Connect("127.0.0.1", port);
            NetworkStream s = client.GetStream();
            byte[] hello = Encoding.ASCII.GetBytes("hello, uring");
            s.Write(hello);
            byte[] back = new byte[hello.Length];
            s.ReadTimeout = 10_000;
            s.ReadExactly(back);
            Assert.Equal(hello, back);
        }
        int code = server.Stop(s_limit);
        Assert.True(code == 0, $"exit {code} after SIGTERM\n{server.Output}\n{server.Error}");
    }

    [Theory]
    [InlineData("HttpPlaintext")]
    [InlineData("KestrelOnUring")]
    public async Task An_HTTP_sample_answers_plaintext(string sample)
    {
        int port = SampleProcess.FreePort();
        using var server = sample == "HttpPlaintext"
            ? SampleProcess.Start(sample, "127.0.0.1", port.ToString(), "--threads", "1", "--no-pin", "--quiet")
            : SampleProcess.Start(sample, $"http://127.0.0.1:{port}", "--reactors", "1");
        server.WaitForPort(port, s_limit);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        string body = await http.GetStringAsync($"http://127.0.0.1:{port}/plaintext");
        Assert.Equal("Hello, World!", body);
        server.Stop(s_limit);
        if (!KernelRing && sample == "KestrelOnUring") // the transport stays UringSafe's, on the userspace ring, and says so
            Assert.Contains("userspace ring", server.Output + server.Error);
    }

    [Fact]
    public void RawRing_reads_by_hand_on_the_kernel_ring_or_says_it_needs_one()
    {
        var (code, output, error) = SampleProcess.Run("RawRing", RepoFile("README.md"));
        if (KernelRing)
        {
            Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
            Assert.Contains("Read complete", output);
        }
        else
        {
            Assert.NotEqual(0, code);
            Assert.Contains("io_uring", output + error); // the typed "io_uring is unavailable, because ..." message
        }
    }

    [Fact]
    public void DmaRead_reads_with_O_DIRECT_on_the_kernel_ring_or_says_it_needs_one()
    {
        string dir = Directory.CreateTempSubdirectory("uringsafe-dma").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "test.txt"), new string('x', 8192));
            var (code, output, error) = SampleProcess.RunIn(dir, "DmaRead");
            if (KernelRing)
            {
                // O_DIRECT needs a file system that supports it: tmpfs refuses it with EINVAL, which the sample reports.
                Assert.True(code == 0 || (output + error).Contains("EINVAL", StringComparison.Ordinal), $"exit {code}\n{output}\n{error}");
            }
            else
            {
                Assert.NotEqual(0, code);
                Assert.Contains("kernel", output + error, StringComparison.OrdinalIgnoreCase);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void DmaRead_without_its_file_prints_one_error_its_own()
    {
        string dir = Directory.CreateTempSubdirectory("uringsafe-dma-missing").FullName;
        try
        {
            var (code, output, error) = SampleProcess.RunIn(dir, "DmaRead"); // no test.txt here
            Assert.NotEqual(0, code);
            // The sample awaits its spawned work and handles the failure: the reactor must not report it as unhandled.
            Assert.DoesNotContain("unhandled", output + error, StringComparison.OrdinalIgnoreCase);
            Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => line.StartsWith("DmaRead: ", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
