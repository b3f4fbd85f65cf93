using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using UringSafe.Analyzers;
using UringSafe.Generators.Diagnostics;

namespace UringSafe.Generators.Tests;

/// <summary>UR1001–UR1007: each rule fires on the declarations the generator skips, and nothing fires on valid ones.</summary>
public class OperationAnalyzerTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using UringSafe;
        using UringSafe.Abi;
        using UringSafe.Async;
        using UringSafe.Buffers;

        """;

    internal const string NotPartialDefinitions = """
        public partial class NotPartial
        {
            [UringOperation(nameof(Prepare))]
            public ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken) => default;
            private static Sqe Prepare(in LentRegion buffer) => default;
        }

        public partial class WithBody
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken) { return default; }
            private static Sqe Prepare(in LentRegion buffer) => default;
        }

        public partial class GenericMethod
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<IoResult<byte[]>> Run<T>([Lends] byte[] buffer, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer) => default;
        }

        public partial class GenericType<T>
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer) => default;
        }

        public class NotPartialOuter
        {
            public partial class Inner
            {
                [UringOperation(nameof(Prepare))]
                public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
                private static Sqe Prepare(in LentRegion buffer) => default;
            }
        }

        public partial class RefParameter
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, ref int count, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer, int count) => default;
        }

        public partial class SpanParameter
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, ReadOnlySpan<byte> header, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer, ReadOnlySpan<byte> header) => default;
        }

        public partial class TwoTokens
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken first, CancellationToken second);
            private static Sqe Prepare(in LentRegion buffer) => default;
        }

        """;

    internal const string LentParameterCounts = """
        public partial class NoLends
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<IoResult<byte[]>> Run(byte[] buffer, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer) => default;
        }

        public partial class TwoLends
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, [Lends] byte[] other, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer, byte[] other) => default;
        }

        """;

    internal const string BufferAndReturnTypes = """
        public partial class UnsupportedBuffer
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<IoResult<int[]>> Run([Lends] int[] buffer, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer) => default;
        }

        public partial class NullableBuffer
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[]? buffer, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer) => default;
        }

        public partial class MismatchedReturn
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<IoResult<IoBuffer>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer) => default;
        }

        public partial class PlainReturn
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<int> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer) => default;
        }

        """;

    internal const string PrepareMethods = """
        public partial class MissingPrepare
        {
            [UringOperation("PrepareMissing")]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
        }

        public partial class WrongParameters
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, long offset, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer, int offset) => default;
        }

        public partial class WrongReturn
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
            private static int Prepare(in LentRegion buffer) => 0;
        }

        public partial class TokenPassedToPrepare
        {
            [UringOperation(nameof(Prepare))]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer, CancellationToken cancellationToken) => default;
        }

        public partial class InstancePrepareForStatic
        {
            [UringOperation(nameof(Prepare))]
            public static partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
            private Sqe Prepare(in LentRegion buffer) => default;
        }

        public partial class EmptyName
        {
            [UringOperation("")]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
        }

        """;

    internal const string ErrorMappers = """
        public partial class MissingMapper
        {
            [UringOperation(nameof(Prepare), ErrorMapper = "MapMissing")]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer) => default;
        }

        public partial class MapperWrongParameters
        {
            [UringOperation(nameof(Prepare), ErrorMapper = nameof(Map))]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer) => default;
            private static Exception Map(int errno, string operation, object? buffer) => new Exception();
        }

        public partial class MapperWrongReturn
        {
            [UringOperation(nameof(Prepare), ErrorMapper = nameof(Map))]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer) => default;
            private static string Map(int errno, string operation, int fd, object? buffer) => "";
        }

        public partial class InstanceMapper
        {
            [UringOperation(nameof(Prepare), ErrorMapper = nameof(Map))]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer) => default;
            private Exception Map(int errno, string operation, int fd, object? buffer) => new Exception();
        }

        public partial class EmptyMapper
        {
            [UringOperation(nameof(Prepare), ErrorMapper = "")]
            public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
            private static Sqe Prepare(in LentRegion buffer) => default;
        }

        """;

    /// <summary>Every invalid declaration above, for the generator's "skips without diagnostics" test.</summary>
    internal const string AllInvalid = Usings + NotPartialDefinitions + LentParameterCounts + BufferAndReturnTypes + PrepareMethods + ErrorMappers;

    private static (string Id, string Method, string Message)[] Analyze(string body)
        => OperationHarness.Analyze(Usings + body)
            .Select(d => (d.Id, Regex.Match(d.GetMessage(), "^'([^']*)'").Groups[1].Value, d.GetMessage()))
            .ToArray();

    [Fact]
    public void UR1001_NotAPartialDefinitionTheGeneratorCanImplement()
    {
        var found = Analyze(NotPartialDefinitions);
        Assert.All(found, d => Assert.Equal(RuleIds.NotAPartialDefinition, d.Id));
        Assert.Equal(
            new[] { "NotPartial.Run", "WithBody.Run", "GenericMethod.Run", "GenericType.Run", "Inner.Run", "RefParameter.Run", "SpanParameter.Run", "TwoTokens.Run" },
            found.Select(d => d.Method));
        Assert.Contains("not partial", found[0].Message);
        Assert.Contains("has a body", found[1].Message);
        Assert.Contains("is generic", found[2].Message);
        Assert.Contains("'GenericType<T>' is generic", found[3].Message);
        Assert.Contains("'NotPartialOuter' is not partial", found[4].Message);
        Assert.Contains("'count' is passed by reference (ref)", found[5].Message);
        Assert.Contains("ref struct type 'ReadOnlySpan<byte>'", found[6].Message);
        Assert.Contains("more than one CancellationToken", found[7].Message);
    }

    [Fact]
    public void UR1002_ExactlyOneLendsParameter()
    {
        var found = Analyze(LentParameterCounts);
        Assert.Equal(
            new[] { (RuleIds.LentParameterCount, "NoLends.Run"), (RuleIds.LentParameterCount, "TwoLends.Run") },
            found.Select(d => (d.Id, d.Method)));
        Assert.Contains("has no parameters marked [Lends]", found[0].Message);
        Assert.Contains("has 2 parameters marked [Lends]", found[1].Message);
    }

    [Fact]
    public void UR1003_SupportedBufferAndMatchingReturnType()
    {
        var found = Analyze(BufferAndReturnTypes);
        Assert.All(found, d => Assert.Equal(RuleIds.UnsupportedBufferOrReturnType, d.Id));
        Assert.Equal(new[] { "UnsupportedBuffer.Run", "NullableBuffer.Run", "MismatchedReturn.Run", "PlainReturn.Run" }, found.Select(d => d.Method));
        Assert.Contains("'int[]' is not supported", found[0].Message);
        Assert.Contains("is nullable", found[1].Message);
        Assert.Contains("but lends 'byte[]'", found[2].Message);
        Assert.Contains("it returns 'ValueTask<int>'", found[3].Message);
    }

    [Fact]
    public void UR1004_PrepareMethodFoundAndMatching()
    {
        var found = Analyze(PrepareMethods);
        Assert.All(found, d => Assert.Equal(RuleIds.PrepareMethodMismatch, d.Id));
        Assert.Equal(
            new[] { "MissingPrepare.Run", "WrongParameters.Run", "WrongReturn.Run", "TokenPassedToPrepare.Run", "InstancePrepareForStatic.Run", "EmptyName.Run" },
            found.Select(d => d.Method));
        Assert.Contains("has no method named 'PrepareMissing'", found[0].Message);
        Assert.Contains("takes (in LentRegion, long[, in OperationContext]) and returns Sqe", found[1].Message);
        Assert.Contains("takes (in LentRegion[, in OperationContext]) and returns Sqe", found[2].Message);
        Assert.Contains("takes (in LentRegion[, in OperationContext])", found[3].Message);
        Assert.Contains("'Prepare' is an instance method but 'Run' is static", found[4].Message);
        Assert.Contains("does not name a prepare method", found[5].Message);
    }

    [Fact]
    public void UR1006_ErrorMapperFoundStaticAndMatching()
    {
        var found = Analyze(ErrorMappers);
        Assert.All(found, d => Assert.Equal(RuleIds.ErrorMapperMismatch, d.Id));
        Assert.Equal(
            new[] { "MissingMapper.Run", "MapperWrongParameters.Run", "MapperWrongReturn.Run", "InstanceMapper.Run", "EmptyMapper.Run" },
            found.Select(d => d.Method));
        Assert.Contains("has no method named 'MapMissing' (the ErrorMapper)", found[0].Message);
        Assert.Contains("takes (int errno, string operation, int fd, object? buffer) and returns Exception", found[1].Message);
        Assert.Contains("takes (int errno, string operation, int fd, object? buffer) and returns Exception", found[2].Message);
        Assert.Contains("'Map' is an instance method; make it static", found[3].Message);
        Assert.Contains("ErrorMapper is empty", found[4].Message);
        Assert.Equal(DiagnosticSeverity.Error, OperationDiagnosticDescriptors.UR1006_ErrorMapperMismatch.DefaultSeverity);
    }

    [Fact]
    public void UR1006_IsReportedOnTheAttribute()
    {
        var diagnostics = OperationHarness.Analyze(Usings + """
            public partial class Located
            {
                [UringOperation(nameof(Prepare), ErrorMapper = "Nope")]
                public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);
                private static Sqe Prepare(in LentRegion buffer) => default;
            }
            """);
        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal(RuleIds.ErrorMapperMismatch, diagnostic.Id);
        Assert.Equal("UringOperation(nameof(Prepare), ErrorMapper = \"Nope\")", diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan));
    }

    [Fact]
    public void UR1007_TransfersAllAndFillsBufferExcludeEachOther()
    {
        var diagnostics = OperationHarness.Analyze(Usings + """
            public partial class Both
            {
                [UringOperation(nameof(Prepare), TransfersAll = true, FillsBuffer = true)]
                public partial ValueTask<IoResult<IoBuffer>> Run([Lends] IoBuffer buffer, CancellationToken cancellationToken);
                private static Sqe Prepare(in LentRegion buffer, int progress) => default;
            }
            """);
        AssertOnly(diagnostics, RuleIds.TransfersAllFillsBuffer, DiagnosticSeverity.Error, "UringOperation(nameof(Prepare), TransfersAll = true, FillsBuffer = true)");
    }

    [Fact]
    public void UR1004_TransfersAllNeedsAPrepareMethodTakingTheProgress()
    {
        var diagnostics = OperationHarness.Analyze(Usings + """
            public partial class NoProgress
            {
                [UringOperation(nameof(Prepare), TransfersAll = true)]
                public partial ValueTask<IoResult<IoBuffer>> Run([Lends] IoBuffer buffer, long offset, CancellationToken cancellationToken);
                private static Sqe Prepare(in LentRegion buffer, long offset) => default;
            }

            public partial class WithProgress
            {
                [UringOperation(nameof(Prepare), TransfersAll = true)]
                public partial ValueTask<IoResult<IoBuffer>> Run([Lends] IoBuffer buffer, long offset, CancellationToken cancellationToken);
                private static Sqe Prepare(in LentRegion buffer, int progress, long offset) => default;
            }
            """);
        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal(RuleIds.PrepareMethodMismatch, diagnostic.Id);
        Assert.Contains("takes (in LentRegion, int progress, long[, in OperationContext])", diagnostic.GetMessage());
    }

    [Fact]
    public void UR1005_NoCancellationTokenIsAWarning()
    {
        var diagnostics = OperationHarness.Analyze(Usings + """
            public partial class Uncancellable
            {
                [UringOperation(nameof(Prepare))]
                public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, long offset);
                private static Sqe Prepare(in LentRegion buffer, long offset) => default;
            }
            """);
        AssertOnly(diagnostics, RuleIds.NoCancellationToken, DiagnosticSeverity.Warning, "Run");
    }

    // The one diagnostic: its rule, its severity and the source text it is reported on.
    private static void AssertOnly(IEnumerable<Diagnostic> diagnostics, string id, DiagnosticSeverity severity, string reportedOn)
    {
        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal(reportedOn, diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan));
    }

    [Fact]
    public void ValidDeclarationsProduceNoDiagnostics()
    {
        var diagnostics = OperationHarness.Analyze(OperationTestSources.Declarations);
        // Only the sample's deliberately token-less Stdout.WriteAsync is reported, as the UR1005 warning.
        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal(RuleIds.NoCancellationToken, diagnostic.Id);
        Assert.StartsWith("'Stdout.WriteAsync'", diagnostic.GetMessage());
    }

    [Fact]
    public void ErrorsAreReportedAtTheMethodTheParameterTheReturnTypeOrTheAttribute()
    {
        string source = Usings + """
            public partial class Located
            {
                [UringOperation("Nope")]
                public partial ValueTask<IoResult<byte[]>> Run([Lends] byte[] buffer, CancellationToken cancellationToken);

                [UringOperation(nameof(Prepare))]
                public partial ValueTask<IoResult<int[]>> Other([Lends] int[] buffer, CancellationToken cancellationToken);

                [UringOperation(nameof(Prepare))]
                public partial ValueTask<int> Third([Lends] byte[] buffer, CancellationToken cancellationToken);

                private static Sqe Prepare(in LentRegion buffer) => default;
            }
            """;
        var texts = OperationHarness.Analyze(source)
            .Select(d => (d.Id, d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan)))
            .ToArray();
        Assert.Equal(
            new[]
            {
                (RuleIds.PrepareMethodMismatch, "UringOperation(\"Nope\")"),
                (RuleIds.UnsupportedBufferOrReturnType, "[Lends] int[] buffer"),
                (RuleIds.UnsupportedBufferOrReturnType, "ValueTask<int>"),
            },
            texts);
    }
}
