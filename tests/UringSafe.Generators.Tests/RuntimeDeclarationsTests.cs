using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace UringSafe.Generators.Tests;

/// <summary>
/// Runs the generator over the runtime's real ABI types and opcode declarations (read from the source tree):
/// every declaration must produce a builder, the result must compile cleanly, and a few builders are checked
/// against what liburing's helpers would write.
/// </summary>
public class RuntimeDeclarationsTests
{
    private static readonly string s_runtime = Path.Combine(GeneratorHarness.RepositoryRoot(), "src", "Runtime", "UringSafe");

    private static IEnumerable<string> RuntimeFiles()
        => Directory.GetFiles(Path.Combine(s_runtime, "Abi"), "*.cs")
            .Append(Path.Combine(s_runtime, "Raw", "FileRef.cs"))
            .Concat(Directory.GetFiles(Path.Combine(s_runtime, "Raw", "Ops"), "*.cs", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal);

    private static string[] DeclarationFiles()
        => Directory.GetFiles(Path.Combine(s_runtime, "Raw", "Ops", "Declarations"), "*.cs");

    private const string Probes = """
        namespace UringSafe.Raw.Ops
        {
            using UringSafe.Abi;
            using UringSafe.Raw;

            public static class Probes
            {
                public static Sqe AcceptMultishotDirect() => new AcceptMultishotDirect(3).Build();
                public static Sqe RecvMultishot() => new RecvMultishot(FileRef.Fixed(2), 7).Flags(SqeFlags.IoLink).Build();
                public static Sqe OpenAtDefault() => new OpenAt(0x1000, 0x42).Build();
                public static Sqe OpenAtDirFd() => new OpenAt(0x1000, 0x42).DirFd(5).Mode(0x1a4).Build();
                public static Sqe Splice() => new Splice(4, 5, 100).Build();
                public static Sqe FixedFdInstall() => new FixedFdInstall(3).Build();
                public static Sqe TimeoutUpdate() => new TimeoutUpdate(42, 0x1000).TimeoutFlags(TimeoutFlags.Abs).Build();
                public static Sqe FilesUpdate() => new FilesUpdate(0x10, 2, -1).Build();
                public static Sqe AsyncCancel() => new AsyncCancel(0).CancelFlags(CancelFlags.Any | CancelFlags.Op).Opcode(IoUringOpcode.Read).Build();
                public static Sqe PollUpdate() => new PollUpdate(9, PollAddFlags.UpdateEvents).Events(1).Build();
                public static Sqe Socket() => new Socket(2, 1).Build();
                public static Sqe GetSockOpt() => new GetSockOpt(6, 1, 8, 0x5000, 4).Build();
                public static Sqe ReadMultishot() => new ReadMultishot(5, 3).Build();
                public static object Catalog() => UringOpCatalog.All.ToArray();
            }
        }
        """;

    private static (Compilation Output, GeneratorDriverRunResult Result) RunRuntime(params string[] extra)
    {
        var sources = RuntimeFiles().Select(p => (p, File.ReadAllText(p)))
            .Append(("ImplicitUsings.cs", GeneratorHarness.ImplicitUsings))
            .Concat(extra.Select((text, i) => ($"Extra{i}.cs", text)));
        return GeneratorHarness.Run(GeneratorHarness.CreateCompilation(sources, "UringSafeDeclarationsTest"));
    }

    private static readonly Lazy<(Compilation Output, GeneratorDriverRunResult Result)> s_run = new(() => RunRuntime(Probes));
    private static readonly Lazy<ProbeAssembly> s_probes = new(() => new ProbeAssembly(GeneratorHarness.EmitAndLoad(s_run.Value.Output), "UringSafe.Raw.Ops.Probes"));

    [Fact]
    public void EveryDeclarationProducesABuilder()
    {
        // Every struct in Declarations/ is a builder declaration.
        var declared = DeclarationFiles()
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"^public partial struct (\w+)", RegexOptions.Multiline))
            .Select(m => m.Groups[1].Value)
            .Order(StringComparer.Ordinal)
            .ToArray();
        var generated = s_run.Value.Result.Results.Single().GeneratedSources
            .Select(s => s.HintName)
            .Where(h => h != "UringOpCatalog.g.cs")
            .Select(h => h["UringSafe.Raw.Ops.".Length..^".g.cs".Length])
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.NotEmpty(declared);
        Assert.Equal(declared, generated);
    }

    [Fact]
    public void GeneratedBuildersCompileWithoutErrorsOrWarnings()
    {
        Compilation output = s_run.Value.Output;
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(GeneratorHarness.Problems(output, generatedOnly: true));
    }

    [Fact]
    public void EveryOpcodeThrough612HasABuilder()
    {
        var catalog = s_probes.Value.Catalog("Catalog");
        var covered = catalog.Select(r => r.Opcode).ToHashSet();
        // Opcodes 0..57 (NOP..LISTEN) are everything the kernel had through 6.12; later ones are covered where simple.
        var missing = Enumerable.Range(0, 58).Where(op => !covered.Contains((byte)op)).ToArray();
        Assert.Empty(missing);
        Assert.Equal(catalog.Count, catalog.Select(r => r.Builder).Distinct().Count());
        Assert.All(catalog, r => Assert.Matches(@"^\d+\.\d+$", r.Since));
        Assert.All(catalog, r => Assert.StartsWith("io_uring_prep_", r.ManPage));
    }

    [Fact]
    public void MultishotDirectAcceptAllocatesASlot()
    {
        SqeView sqe = s_probes.Value.Sqe("AcceptMultishotDirect");
        Assert.Equal(13, sqe.Opcode);
        Assert.Equal(1, sqe.IoPrio);
        Assert.Equal(-1, sqe.SpliceFdIn); // IORING_FILE_INDEX_ALLOC
        Assert.Equal(3, sqe.Fd);
    }

    [Fact]
    public void MultishotRecvSelectsBuffersAndKeepsCallerFlags()
    {
        SqeView sqe = s_probes.Value.Sqe("RecvMultishot");
        Assert.Equal(27, sqe.Opcode);
        Assert.Equal(1 | 4 | 32, sqe.Flags); // FixedFile | IoLink | BufferSelect
        Assert.Equal(2, sqe.IoPrio);
        Assert.Equal(7, sqe.BufIndex);
        Assert.Equal(2, sqe.Fd);
    }

    [Fact]
    public void PathOperationsDefaultToTheCurrentDirectory()
    {
        SqeView sqe = s_probes.Value.Sqe("OpenAtDefault");
        Assert.Equal(-100, sqe.Fd);
        Assert.Equal(0x42U, sqe.OpFlags);
        Assert.Equal(0x1000UL, sqe.Addr);

        SqeView withDir = s_probes.Value.Sqe("OpenAtDirFd");
        Assert.Equal(5, withDir.Fd);
        Assert.Equal(0x1a4U, withDir.Len);
    }

    [Fact]
    public void SpliceDefaultsToNoOffsets()
    {
        SqeView sqe = s_probes.Value.Sqe("Splice");
        Assert.Equal(ulong.MaxValue, sqe.Addr);
        Assert.Equal(ulong.MaxValue, sqe.Off);
        Assert.Equal(4, sqe.SpliceFdIn);
        Assert.Equal(5, sqe.Fd);
        Assert.Equal(100U, sqe.Len);
    }

    [Fact]
    public void VariantsSetTheirConstants()
    {
        Assert.Equal(1, s_probes.Value.Sqe("FixedFdInstall").Flags);
        Assert.Equal(32, s_probes.Value.Sqe("ReadMultishot").Flags);

        SqeView update = s_probes.Value.Sqe("TimeoutUpdate");
        Assert.Equal(12, update.Opcode);
        Assert.Equal(1U | 2U, update.OpFlags);
        Assert.Equal(42UL, update.Addr);
        Assert.Equal(0x1000UL, update.Off);

        SqeView poll = s_probes.Value.Sqe("PollUpdate");
        Assert.Equal(7, poll.Opcode);
        Assert.Equal(2U, poll.Len);
        Assert.Equal(1U, poll.OpFlags);
        Assert.Equal(9UL, poll.Addr);

        SqeView sockopt = s_probes.Value.Sqe("GetSockOpt");
        Assert.Equal(46, sockopt.Opcode);
        Assert.Equal(2UL, sockopt.Off);                       // cmd_op = SOCKET_URING_OP_GETSOCKOPT
        Assert.Equal(1UL | (8UL << 32), sockopt.Addr);        // level | optname << 32
        Assert.Equal(0x5000UL, sockopt.Addr3);
        Assert.Equal(4, sockopt.SpliceFdIn);
    }

    [Fact]
    public void SignedOperandsAreSignExtended()
    {
        Assert.Equal(ulong.MaxValue, s_probes.Value.Sqe("FilesUpdate").Off);
        SqeView socket = s_probes.Value.Sqe("Socket");
        Assert.Equal(2, socket.Fd);
        Assert.Equal(1UL, socket.Off);
    }

    [Fact]
    public void CancelFlagsAndOpcodeAreWritten()
    {
        SqeView sqe = s_probes.Value.Sqe("AsyncCancel");
        Assert.Equal(14, sqe.Opcode);
        Assert.Equal(4U | 32U, sqe.OpFlags);
        Assert.Equal(22U, sqe.Len);
    }
}
