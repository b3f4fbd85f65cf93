using Microsoft.CodeAnalysis;

namespace UringSafe.Analyzers;

/// <summary>The descriptors of every UringSafe ownership rule.</summary>
public static class DiagnosticDescriptors
{
    /// <summary>Property set on UR0001 diagnostics that can be fixed by taking the buffer back at an await.</summary>
    public const string TakeBackProperty = "TakeBackAtAwait";

    /// <summary>Property set on UR0007 diagnostics whose fix adds [Lends] to the declaration the parameter implements or overrides (the diagnostic's additional location) rather than to the parameter itself.</summary>
    public const string AddLendsToBaseProperty = "AddLendsToBase";

    public static readonly DiagnosticDescriptor UR0001_BufferUsedWhileLent = new DiagnosticDescriptor(
        RuleIds.BufferUsedWhileLent,
        title: "Buffer used while lent",
        messageFormat: "'{0}' is used while it may still be lent to an I/O operation{1}; {2}",
        category: RuleIds.Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A value passed to a [Lends] parameter is owned by the kernel until it is assigned back from the operation's result. Reading, writing, passing, capturing, disposing or returning it to a pool before that is a use-after-move.",
        helpLinkUri: RuleIds.HelpLink(RuleIds.BufferUsedWhileLent));

    public static readonly DiagnosticDescriptor UR0002_BufferNotTakenBack = new DiagnosticDescriptor(
        RuleIds.BufferNotTakenBack,
        title: "Lent buffer not taken back",
        messageFormat: "The buffer returned by '{0}' is dropped; assign it back from the awaited result",
        category: RuleIds.Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A lending operation was awaited but the buffer in its result was discarded, so the lent variable stays unusable.",
        helpLinkUri: RuleIds.HelpLink(RuleIds.BufferNotTakenBack));

    public static readonly DiagnosticDescriptor UR0003_InFlightOperationDropped = new DiagnosticDescriptor(
        RuleIds.InFlightOperationDropped,
        title: "In-flight operation dropped",
        messageFormat: "The operation returned by '{0}' is discarded while the kernel may still own the lent buffer; {1}",
        category: RuleIds.Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The task of a lending call is never awaited, stored, passed on or returned, so nothing observes its completion or gets the buffer back.",
        helpLinkUri: RuleIds.HelpLink(RuleIds.InFlightOperationDropped));

    public static readonly DiagnosticDescriptor UR0004_BufferLentTwice = new DiagnosticDescriptor(
        RuleIds.BufferLentTwice,
        title: "Buffer lent twice",
        messageFormat: "'{0}' is lent again while an earlier operation using it may still be in flight",
        category: RuleIds.Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Two in-flight kernel operations would share one buffer. Await the first operation and take the buffer back before lending it again.",
        helpLinkUri: RuleIds.HelpLink(RuleIds.BufferLentTwice));

    public static readonly DiagnosticDescriptor UR0005_MemoryNotPinned = new DiagnosticDescriptor(
        RuleIds.MemoryNotPinned,
        title: "Memory not pinned for the operation's lifetime",
        messageFormat: "'{0}' points to {1} memory that goes out of scope while the operation may still be in flight",
        category: RuleIds.Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A pointer to stack memory or to memory pinned by a 'fixed' statement is lent, and the operation is not completed before that memory's scope ends.",
        helpLinkUri: RuleIds.HelpLink(RuleIds.MemoryNotPinned));

    public static readonly DiagnosticDescriptor UR0006_AliasOfLentBufferUsed = new DiagnosticDescriptor(
        RuleIds.AliasOfLentBufferUsed,
        title: "Alias of a lent buffer used",
        messageFormat: "'{0}' refers to '{1}', which may still be lent to an I/O operation",
        category: RuleIds.Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A copy of the reference, or a Span, Memory, array or pointer derived from the buffer before it was lent, is used while the kernel may own the buffer.",
        helpLinkUri: RuleIds.HelpLink(RuleIds.AliasOfLentBufferUsed));

    public static readonly DiagnosticDescriptor UR0007_ParameterLentNotDeclared = new DiagnosticDescriptor(
        RuleIds.ParameterLentNotDeclared,
        title: "Parameter lent but not declared [Lends]",
        messageFormat: "Parameter '{0}' {1}",
        category: RuleIds.Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A method that passes one of its parameters to a [Lends] parameter lends its caller's buffer; without [Lends] on its own parameter the caller cannot know, and may touch the buffer while the kernel uses it. Declare the parameter [Lends] (ownership then flows through the helper to its callers), or give the buffer back through the method's result. An implementation or override must agree with the method it implements or overrides.",
        helpLinkUri: RuleIds.HelpLink(RuleIds.ParameterLentNotDeclared));
    public static readonly DiagnosticDescriptor UR0008_BlockingOnReactor = new DiagnosticDescriptor(
        RuleIds.BlockingOnReactor,
        title: "Blocking call on a reactor thread",
        messageFormat: "'{0}' blocks the reactor thread, which stops every operation on that reactor until it returns; {1}",
        category: RuleIds.ReactorCategory,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A reactor is one thread running one ring: while a continuation blocks it (waiting for a task, sleeping, synchronous I/O), no completion is reaped and no other connection or operation on that reactor makes progress; waiting for work that itself needs the reactor never returns. Await instead.",
        helpLinkUri: RuleIds.HelpLink(RuleIds.BlockingOnReactor));
}
