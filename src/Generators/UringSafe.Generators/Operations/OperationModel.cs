namespace UringSafe.Generators;

/// <summary>
/// Everything the emitter needs about one <c>[UringOperation]</c> method. Strings and primitives only (no symbols,
/// syntax or locations), so it compares by value and the incremental pipeline can cache it.
/// </summary>
/// <param name="Namespace">The containing namespace, or "" for the global namespace.</param>
/// <param name="ContainingTypes">The containing type and the types it is nested in, outermost first.</param>
/// <param name="OwnerType">The containing type, fully qualified.</param>
/// <param name="MethodName">The operation method's name.</param>
/// <param name="Modifiers">The method's modifiers as declared, without <c>partial</c> (e.g. "public", "internal static").</param>
/// <param name="ReturnType">The method's return type, fully qualified.</param>
/// <param name="ResultType">The <c>IoResult&lt;TBuffer&gt;</c> type, fully qualified.</param>
/// <param name="OperationTypeName">The name of the generated operation struct, unique among the type's members.</param>
/// <param name="HintName">The generated file's name.</param>
/// <param name="Parameters">The method's parameters, in declaration order.</param>
/// <param name="PrepareMethod">The prepare method's name.</param>
/// <param name="PrepareIsStatic">True when the prepare method is static (no owner is stored).</param>
/// <param name="PrepareTakesContext">True when the prepare method takes the <c>OperationContext</c> last.</param>
/// <param name="FillsBuffer">True when a successful result is the count of bytes written into the buffer.</param>
/// <param name="TransfersAll">True when the operation resubmits after a short transfer until the buffer's Length is
/// done (a send-all): the prepare method takes the progress after the region, and the struct implements TryContinue.</param>
/// <param name="LendingType">The static class that lends and releases the buffer type, fully qualified.</param>
/// <param name="ErrorMapper">The static error-mapping method's name, or "" for the default <c>UringException</c>.</param>
/// <param name="OwnerHoldsFd">True when the owner implements <c>ISharedFdOwner</c>: the operation then holds its fd
/// owner from submission to final completion, so the fd is never closed under it.</param>
internal sealed record OperationModel(
    string Namespace,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    string OwnerType,
    string MethodName,
    string Modifiers,
    string ReturnType,
    string ResultType,
    string OperationTypeName,
    string HintName,
    EquatableArray<OperationParameterModel> Parameters,
    string PrepareMethod,
    bool PrepareIsStatic,
    bool PrepareTakesContext,
    bool FillsBuffer,
    bool TransfersAll,
    string LendingType,
    string ErrorMapper,
    bool OwnerHoldsFd);

/// <summary>One type declaration to reopen: its keyword (with modifiers that every part must repeat) and name.</summary>
/// <param name="Keyword">e.g. "class", "static class", "readonly struct", "record", "record struct".</param>
/// <param name="Name">The type's name.</param>
internal sealed record ContainingTypeModel(string Keyword, string Name);

/// <summary>What a parameter of the operation method is for.</summary>
internal enum OperationParameterKind
{
    /// <summary>Stored in the operation and passed to the prepare method.</summary>
    PassThrough,
    /// <summary>The <c>[Lends]</c> buffer.</summary>
    Lent,
    /// <summary>The <c>CancellationToken</c>, passed to <c>Execute</c>.</summary>
    CancellationToken,
    /// <summary>The <c>TimeSpan timeout</c>, passed to <c>Execute</c>.</summary>
    Timeout,
}

/// <summary>One parameter of the operation method.</summary>
/// <param name="Name">The parameter name as an identifier (keyword-escaped).</param>
/// <param name="Modifiers">Modifiers that both partial parts must repeat ("in ", "params ", "this ", "scoped "), with a trailing space, or "".</param>
/// <param name="Type">The declared type, fully qualified, with nullable annotations.</param>
/// <param name="FieldType">The type of the field that stores it in the operation, fully qualified.</param>
/// <param name="FieldName">The field name in the operation struct ("" for the token and the timeout).</param>
/// <param name="Kind">What the parameter is for.</param>
internal sealed record OperationParameterModel(
    string Name,
    string Modifiers,
    string Type,
    string FieldType,
    string FieldName,
    OperationParameterKind Kind);
