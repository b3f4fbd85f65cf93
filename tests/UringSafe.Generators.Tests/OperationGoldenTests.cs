using Microsoft.CodeAnalysis;

namespace UringSafe.Generators.Tests;

/// <summary>
/// Compares the <c>[UringOperation]</c> generator's output with Golden/Operations/ (UPDATE_GOLDEN=1 rewrites them), checks it
/// compiles cleanly, and runs the generated operations against a logging stub of the reactor.
/// </summary>
public class OperationGoldenTests
{
    private static readonly string[] s_expectedHintNames =
    {
        "Channel.Pipe.RecvAsync_0.g.cs",                 // static prepare serving an instance method, nested, global namespace
        "Sample.Io.Device.ReadAsync_0.g.cs",             // IoBuffer, FillsBuffer
        "Sample.Io.Device.ReadAsync_1.g.cs",             // byte[]
        "Sample.Io.Device.ReadAsync_2.g.cs",             // Memory<byte>, internal
        "Sample.Io.Device.SendAsync_0.g.cs",             // OperationContext parameter and timeout
        "Sample.Io.Device.WriteAsync_0.g.cs",            // ReadOnlyMemory<byte>, by-value LentRegion
        "Sample.Io.Socket.RecvAsync_0.g.cs",             // ErrorMapper (returning a derived exception), abstract owner
        "Sample.Io.Socket.SendAllAsync_0.g.cs",          // TransfersAll: progress, TryContinue, a stalled round mapped
        "Sample.Io.Stdout.WriteAsync_0.g.cs",            // static method, static prepare, static class, no token, keyword parameter
    };

    [Fact]
    public void GeneratedSourcesMatchGoldenFiles()
    {
        var generated = OperationHarness.Run(OperationHarness.Sample()).Result.Results.Single().GeneratedSources;
        bool update = Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";
        string outputDir = Path.Combine(AppContext.BaseDirectory, "Golden", "Operations");
        string sourceDir = Path.Combine(GeneratorHarness.SourceDirectory(), "Golden", "Operations");

        foreach (GeneratedSourceResult source in generated)
        {
            string fileName = source.HintName + ".txt";
            string actual = source.SourceText.ToString();
            if (update)
            {
                Directory.CreateDirectory(sourceDir);
                File.WriteAllText(Path.Combine(sourceDir, fileName), actual);
                continue;
            }
            string goldenPath = Path.Combine(outputDir, fileName);
            Assert.True(File.Exists(goldenPath), $"No golden file Operations/{fileName}; run the tests with UPDATE_GOLDEN=1 to create it.");
            Assert.Equal(File.ReadAllText(goldenPath).ReplaceLineEndings("\n"), actual.ReplaceLineEndings("\n"));
        }

        if (!update)
        {
            var expectedFiles = Directory.GetFiles(outputDir, "*.txt").Select(Path.GetFileName).Order().ToArray();
            var actualFiles = generated.Select(s => s.HintName + ".txt").Order().ToArray();
            Assert.Equal(expectedFiles, actualFiles);
        }
    }

    [Fact]
    public void HintNamesFollowNamespaceTypeMethodAndOverload()
    {
        var names = OperationHarness.Run(OperationHarness.Sample()).Result.Results.Single().GeneratedSources
            .Select(s => s.HintName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(s_expectedHintNames.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public void GeneratedCodeCompilesWithoutErrorsOrWarnings()
    {
        var (output, _) = OperationHarness.Run(OperationHarness.Sample(withProbe: true));

        // Everything compiles (an unimplemented partial method would be CS8795), and with documentation mode on the
        // generated parts add no warning (CS1591, CS1066 for repeated defaults, nullability, partial signature mismatches).
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void GeneratedOperationsLendPrepareAndReturnTheBuffer()
    {
        var (output, _) = OperationHarness.Run(OperationHarness.Sample(withProbe: true));
        var assembly = GeneratorHarness.EmitAndLoad(output);
        string log = (string)assembly.GetType("Probe")!.GetMethod("Run")!.Invoke(null, null)!;

        Assert.Equal(
            """
            lend IoBuffer 3/16
            sqe op=22 fd=5 addr=0x1000 len=16 off=100 flags=0 token=False timeout=0ms
            release IoBuffer 7
            => 7, length 7, lent False
            lend byte[8]
            sqe op=22 fd=5 addr=0x2000 len=8 off=0 flags=0 token=True timeout=0ms
            release byte[] -1
            => 4, byte[8]
            lend Memory(6)
            sqe op=22 fd=5 addr=0x3000 len=6 off=1 flags=0 token=False timeout=0ms
            release Memory -1
            => 4, Memory(6)
            lend ReadOnlyMemory(5)
            sqe op=23 fd=5 addr=0x4000 len=5 off=2 flags=0 token=False timeout=0ms
            release ReadOnlyMemory -1
            => 4, ReadOnlyMemory(5)
            lend IoBuffer 12/32
            sqe op=26 fd=5 addr=0x1000 len=12 off=28672 flags=64 token=False timeout=250ms
            release IoBuffer -1
            => 9, length 12
            lend IoBuffer 8/8
            sqe op=23 fd=1 addr=0x1000 len=8 off=0 flags=3 token=False timeout=0ms
            release IoBuffer -1
            => 9, length 8
            lend byte[4]
            sqe op=27 fd=11 addr=0x2000 len=4 off=0 flags=0 token=False timeout=0ms
            release byte[] -1
            => 9, byte[4]
            lend IoBuffer 2/16
            sqe op=22 fd=5 addr=0x1000 len=16 off=0 flags=0 token=False timeout=0ms
            release IoBuffer -1
            => failed: -5, same buffer True, length 2, lent False
            lend IoBuffer 0/32
            sqe op=27 fd=9 addr=0x1000 len=32 off=0 flags=0 token=False timeout=0ms
            release IoBuffer 5
            => 5, length 5, lent False
            lend IoBuffer 4/32
            sqe op=27 fd=9 addr=0x1000 len=32 off=0 flags=0 token=False timeout=0ms
            release IoBuffer -1
            => mapped: Op27 on 9: errno 104, same buffer True, length 4, lent False
            lend IoBuffer 12/32
            sqe op=26 fd=9 addr=0x1000 len=12 off=0 flags=64 token=False timeout=0ms
            resubmit addr=0x1005 len=7 off=0
            resubmit addr=0x100a len=2 off=0
            release IoBuffer -1
            => 12, length 12, lent False
            lend IoBuffer 3/32
            sqe op=26 fd=9 addr=0x1000 len=3 off=0 flags=0 token=False timeout=0ms
            release IoBuffer -1
            => mapped: SendAllAsync on -1: errno 5, same buffer True, lent False
            """.ReplaceLineEndings("\n"),
            log.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void APrepareMethodThatThrowsGivesTheBufferBack()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using UringSafe;
            using UringSafe.Abi;
            using UringSafe.Async;
            using UringSafe.Buffers;

            public static partial class Throwing
            {
                [UringOperation(nameof(Prepare))]
                public static partial ValueTask<IoResult<IoBuffer>> RunAsync([Lends] IoBuffer buffer, CancellationToken cancellationToken);

                private static Sqe Prepare(in LentRegion buffer) => throw new System.ArgumentException("bad");

                public static string Probe()
                {
                    var buffer = new IoBuffer(4, 4);
                    try { _ = RunAsync(buffer, default); }
                    catch (System.ArgumentException e) { BufferLending.Log.Add($"{e.Message}, lent {buffer.IsLent}"); }
                    return string.Join("|", BufferLending.Log);
                }
            }
            """;
        var (output, _) = OperationHarness.Run(GeneratorHarness.CreateCompilation(OperationTestSources.Stubs, source));
        string log = (string)GeneratorHarness.EmitAndLoad(output).GetType("Throwing")!.GetMethod("Probe")!.Invoke(null, null)!;
        Assert.Equal("lend IoBuffer 4/4|release IoBuffer -1|bad, lent False", log);
    }

    [Fact]
    public void InvalidDeclarationsAreSkippedWithoutDiagnostics()
    {
        var (_, result) = OperationHarness.Run(GeneratorHarness.CreateCompilation(OperationTestSources.Stubs, OperationAnalyzerTests.AllInvalid));
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.Results.Single().GeneratedSources);
    }

    [Fact]
    public void AHandWrittenImplementationIsLeftAlone()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            using UringSafe;
            using UringSafe.Abi;
            using UringSafe.Async;
            using UringSafe.Buffers;

            public partial class ByHand
            {
                [UringOperation(nameof(Prepare))]
                public partial ValueTask<IoResult<byte[]>> RunAsync([Lends] byte[] buffer, CancellationToken cancellationToken);
                public partial ValueTask<IoResult<byte[]>> RunAsync(byte[] buffer, CancellationToken cancellationToken) => new(new IoResult<byte[]>(0, buffer));
                private static Sqe Prepare(in LentRegion buffer) => default;
            }
            """;
        var (output, result) = OperationHarness.Run(GeneratorHarness.CreateCompilation(OperationTestSources.Stubs, source));
        Assert.Empty(result.Results.Single().GeneratedSources);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }
}
