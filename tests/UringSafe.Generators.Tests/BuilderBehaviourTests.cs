namespace UringSafe.Generators.Tests;

/// <summary>
/// Compiles the sample declarations with the generated builders, loads the result and checks the SQEs
/// the builders produce.
/// </summary>
public class BuilderBehaviourTests
{
    private const string Probes = """
        using UringSafe.Abi;
        using UringSafe.Raw;
        using UringSafe.Raw.Ops;

        public static class Probes
        {
            public static Sqe ReadRequired() => new Read(5, 0x1000, 512).Build();
            public static Sqe ReadAllSetters() => new Read(FileRef.Fixed(3), 0x2000, 4096)
                .Offset(77).RwFlags(8).Flags(SqeFlags.IoLink).UserData(0xABCDEF).Personality(9).Build();
            public static Sqe ReadNegativePointer() => new Read(1, -1, 1).Build();
            public static Sqe AcceptMultishotDefault() => new AcceptMultishot(7).Build();
            public static Sqe AcceptMultishotOred() => new AcceptMultishot(FileRef.Fixed(2)).IoPrio(AcceptIoPrio.PollFirst).Build();
            public static Sqe RecvSelectDefaults() => new RecvSelect(4, 12).Build();
            public static Sqe RecvSelectSetters() => new RecvSelect(4, 12)
                .Flags(SqeFlags.IoLink).TimeoutFlags(TimeoutFlags.Abs).SignedOffset(-5).Native(0x7fff_0000).Build();
            public static Sqe EpollCtlKeywordParameter() => new EpollCtl(FileRef.Fd(3), 0x2000, -1L, 1).Build();
            public static Sqe NopNew() => new Nop().Build();
            public static Sqe NopDefault() => default(Nop).Build();
            public static Sqe WriteToOverwrites()
            {
                var sqe = new Sqe { Len = 999, UserData = 5, Pad2 = 1, Flags = SqeFlags.Async };
                new Nop().InjectedResult(3).WriteTo(ref sqe);
                return sqe;
            }
            public static Sqe GlobalTimeoutConst() => new GlobalTimeout(0x3000).TimeoutFlags(TimeoutFlags.Abs).Build();
            public static byte ReadCode() => (byte)Read.CODE;
            public static object Catalog() => UringOpCatalog.All.ToArray();
        }
        """;

    private static readonly Lazy<ProbeAssembly> s_probes = new(() =>
    {
        var input = GeneratorHarness.CreateCompilation(TestSources.Stubs, TestSources.Declarations, TestSources.GlobalNamespaceDeclaration, Probes);
        var (output, _) = GeneratorHarness.Run(input);
        return new ProbeAssembly(GeneratorHarness.EmitAndLoad(output), "Probes");
    });

    private static ProbeAssembly P => s_probes.Value;

    [Fact]
    public void ConstructorTakesRequiredFieldsInOrder()
    {
        SqeView sqe = P.Sqe("ReadRequired");
        Assert.Equal(22, sqe.Opcode);
        Assert.Equal(5, sqe.Fd);
        Assert.Equal(0x1000UL, sqe.Addr);
        Assert.Equal(512U, sqe.Len);
        Assert.Equal(0, sqe.Flags);
        Assert.Equal(0UL, sqe.Off);
        Assert.Equal(0UL, sqe.UserData);
    }

    [Fact]
    public void OptionalAndCommonSettersChain()
    {
        SqeView sqe = P.Sqe("ReadAllSetters");
        Assert.Equal(77UL, sqe.Off);
        Assert.Equal(8U, sqe.OpFlags);
        Assert.Equal(0xABCDEFUL, sqe.UserData);
        Assert.Equal(9, sqe.Personality);
        Assert.Equal(4096U, sqe.Len);
    }

    [Fact]
    public void FixedFileRefSetsFixedFileFlagAlongsideCallerFlags()
    {
        SqeView sqe = P.Sqe("ReadAllSetters");
        Assert.Equal(3, sqe.Fd);
        Assert.Equal(1 /* FixedFile */ | 4 /* IoLink */, sqe.Flags);

        SqeView raw = P.Sqe("ReadRequired");
        Assert.Equal(0, raw.Flags & 1);
    }

    [Fact]
    public void NativeIntegersSignExtendIntoUlongSlots()
    {
        Assert.Equal(ulong.MaxValue, P.Sqe("ReadNegativePointer").Addr);
        SqeView defaults = P.Sqe("RecvSelectDefaults");
        Assert.Equal(ulong.MaxValue, defaults.Off);                 // int -1 initializer
        Assert.Equal(unchecked((ulong)-2L), defaults.Addr3);        // nint -2 initializer
        SqeView set = P.Sqe("RecvSelectSetters");
        Assert.Equal(unchecked((ulong)-5L), set.Off);
        Assert.Equal(0x7fff_0000UL, set.Addr3);
    }

    [Fact]
    public void ConstantsAreOredWithFields()
    {
        SqeView plain = P.Sqe("AcceptMultishotDefault");
        Assert.Equal(13, plain.Opcode);
        Assert.Equal(1, plain.IoPrio);
        Assert.Equal(-1, plain.SpliceFdIn);

        SqeView ored = P.Sqe("AcceptMultishotOred");
        Assert.Equal(1 | 4, ored.IoPrio);
        Assert.Equal(1, ored.Flags); // fixed file

        SqeView global = P.Sqe("GlobalTimeoutConst");
        Assert.Equal(1U, global.Len);
        Assert.Equal(1U, global.OpFlags);
        Assert.Equal(0x3000UL, global.Addr);
    }

    [Fact]
    public void DeclaredSqeFlagsAreOredWithCallerFlags()
    {
        Assert.Equal(32, P.Sqe("RecvSelectDefaults").Flags);
        Assert.Equal(32 | 4, P.Sqe("RecvSelectSetters").Flags);
        Assert.Equal(12, P.Sqe("RecvSelectDefaults").BufIndex);
    }

    [Fact]
    public void EnumFieldsGoThroughTheirUnderlyingType()
    {
        Assert.Equal(1U, P.Sqe("RecvSelectSetters").Len);
    }

    [Fact]
    public void KeywordFieldNamesBecomeEscapedParameters()
    {
        SqeView sqe = P.Sqe("EpollCtlKeywordParameter");
        Assert.Equal(0x2000UL, sqe.Addr);
        Assert.Equal(ulong.MaxValue, sqe.Off);
        Assert.Equal(1U, sqe.Len);
        Assert.Equal(3, sqe.Fd);
    }

    [Fact]
    public void ParameterlessConstructorRunsFieldInitializers()
    {
        Assert.Equal(7U, P.Sqe("NopNew").Len);
        Assert.Equal(0U, P.Sqe("NopDefault").Len); // default(T) skips initializers, as C# always does
    }

    [Fact]
    public void WriteToOverwritesTheWholeEntry()
    {
        SqeView sqe = P.Sqe("WriteToOverwrites");
        Assert.Equal(3U, sqe.Len);
        Assert.Equal(0UL, sqe.UserData);
        Assert.Equal(0UL, sqe.Pad2);
        Assert.Equal(0, sqe.Flags);
    }

    [Fact]
    public void CodeIsTheDeclaredOpcode()
    {
        Assert.Equal((byte)22, P.Invoke("ReadCode"));
    }

    [Fact]
    public void CatalogListsEveryBuilderByOpcode()
    {
        var rows = P.Catalog("Catalog");
        Assert.Equal(
            new[] { ("Nop", (byte)0, "5.1", "io_uring_prep_nop"), ("GlobalTimeout", (byte)11, "5.4", "io_uring_prep_timeout"),
                    ("AcceptMultishot", (byte)13, "5.19", "io_uring_prep_multishot_accept"), ("Read", (byte)22, "5.6", "io_uring_prep_read"),
                    ("RecvSelect", (byte)27, "6.0", "io_uring_prep_recv"), ("EpollCtl", (byte)29, "5.6", "io_uring_prep_epoll_ctl") },
            rows);
    }
}
