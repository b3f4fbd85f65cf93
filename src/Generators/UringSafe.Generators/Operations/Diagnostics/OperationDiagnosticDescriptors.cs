using Microsoft.CodeAnalysis;
using UringSafe.Analyzers;

namespace UringSafe.Generators.Diagnostics;

/// <summary>The descriptors of the <c>[UringOperation]</c> rules (UR1xxx), reported by <see cref="UringOperationAnalyzer"/>.</summary>
public static class OperationDiagnosticDescriptors
{
    /// <summary>UR1001: the method is not a partial definition the generator can implement.</summary>
    public static readonly DiagnosticDescriptor UR1001_NotAPartialDefinition = new DiagnosticDescriptor(
        RuleIds.NotAPartialDefinition,
        title: "[UringOperation] method must be a partial definition the generator can implement",
        messageFormat: "'{0}' cannot be generated: {1}",
        category: RuleIds.GeneratorCategory,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generator implements a [UringOperation] method by adding the other part of a partial method: the method must be declared 'partial' without a body, must not be generic, its containing types must be non-generic partial classes or structs, and its parameters must be storable in the operation struct (no ref, out or ref struct parameters).",
        helpLinkUri: RuleIds.HelpLink(RuleIds.NotAPartialDefinition));

    /// <summary>UR1002: not exactly one parameter marked [Lends].</summary>
    public static readonly DiagnosticDescriptor UR1002_LentParameterCount = new DiagnosticDescriptor(
        RuleIds.LentParameterCount,
        title: "[UringOperation] method must have exactly one [Lends] parameter",
        messageFormat: "'{0}' has {1} parameters marked [Lends]; a lend-and-return operation lends exactly one buffer",
        category: RuleIds.GeneratorCategory,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generated operation lends one buffer to the kernel and hands it back in the IoResult. Mark the buffer parameter with [Lends]; operations without a buffer implement IUringOperation by hand.",
        helpLinkUri: RuleIds.HelpLink(RuleIds.LentParameterCount));

    /// <summary>UR1003: unsupported buffer type or mismatched return type.</summary>
    public static readonly DiagnosticDescriptor UR1003_UnsupportedBufferOrReturnType = new DiagnosticDescriptor(
        RuleIds.UnsupportedBufferOrReturnType,
        title: "Unsupported lent buffer type or return type",
        messageFormat: "'{0}' cannot be generated: {1}",
        category: RuleIds.GeneratorCategory,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The lent parameter must be a non-nullable IoBuffer, byte[], Memory<byte>, ReadOnlyMemory<byte> or ReceivedBuffer, and the method must return ValueTask<IoResult<TBuffer>> where TBuffer is exactly that type.",
        helpLinkUri: RuleIds.HelpLink(RuleIds.UnsupportedBufferOrReturnType));

    /// <summary>UR1004: prepare method not found or not matching.</summary>
    public static readonly DiagnosticDescriptor UR1004_PrepareMethodMismatch = new DiagnosticDescriptor(
        RuleIds.PrepareMethodMismatch,
        title: "Prepare method not found or its signature does not match",
        messageFormat: "'{0}' cannot be generated: {1}",
        category: RuleIds.GeneratorCategory,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The method named by [UringOperation] must be declared in the same type and take 'in LentRegion' for the lent buffer (followed by 'int progress' when TransfersAll is set), then the remaining parameters in order (without the CancellationToken and the TimeSpan timeout), optionally followed by 'in OperationContext', and return Sqe. An instance prepare method needs an instance operation method.",
        helpLinkUri: RuleIds.HelpLink(RuleIds.PrepareMethodMismatch));

    /// <summary>UR1005: no CancellationToken parameter.</summary>
    public static readonly DiagnosticDescriptor UR1005_NoCancellationToken = new DiagnosticDescriptor(
        RuleIds.NoCancellationToken,
        title: "[UringOperation] method has no CancellationToken parameter",
        messageFormat: "'{0}' takes no CancellationToken, so callers cannot cancel it; add 'CancellationToken cancellationToken = default'",
        category: RuleIds.GeneratorCategory,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "An io_uring operation can wait indefinitely (a read from a socket or pipe). The generator passes a CancellationToken parameter to the reactor, which submits an async cancel when it fires.",
        helpLinkUri: RuleIds.HelpLink(RuleIds.NoCancellationToken));

    /// <summary>UR1006: error mapper not found or not matching.</summary>
    public static readonly DiagnosticDescriptor UR1006_ErrorMapperMismatch = new DiagnosticDescriptor(
        RuleIds.ErrorMapperMismatch,
        title: "Error mapper not found or its signature does not match",
        messageFormat: "'{0}' cannot be generated: {1}",
        category: RuleIds.GeneratorCategory,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The method named by [UringOperation(ErrorMapper = ...)] must be a static method declared in the same type, taking (int errno, string operation, int fd, object? buffer) and returning Exception (or a type derived from it). The generated operation calls it to build the exception for a failed operation.",
        helpLinkUri: RuleIds.HelpLink(RuleIds.ErrorMapperMismatch));

    /// <summary>UR1007: TransfersAll and FillsBuffer together.</summary>
    public static readonly DiagnosticDescriptor UR1007_TransfersAllFillsBuffer = new DiagnosticDescriptor(
        RuleIds.TransfersAllFillsBuffer,
        title: "[UringOperation] cannot both transfer all of the buffer and fill it",
        messageFormat: "'{0}' cannot be generated: TransfersAll sends the buffer's Length bytes, FillsBuffer sets the Length from the result; choose one",
        category: RuleIds.GeneratorCategory,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "TransfersAll resubmits after a short transfer until the buffer's initialized bytes (its Length) are all written; FillsBuffer makes a read's byte count the buffer's new Length. A read until full has no fixed length to reach, so the two exclude each other.",
        helpLinkUri: RuleIds.HelpLink(RuleIds.TransfersAllFillsBuffer));
}
