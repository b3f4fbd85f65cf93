namespace UringSafe.Generators;

/// <summary>
/// Everything the emitter needs about one <c>[UringOp]</c> struct. Strings and primitives only (no symbols,
/// syntax or locations), so it compares by value and the incremental pipeline can cache it.
/// </summary>
/// <param name="Namespace">The containing namespace, or "" for the global namespace.</param>
/// <param name="TypeName">The struct's name.</param>
/// <param name="Accessibility">"public" or "internal".</param>
/// <param name="OpcodeMember">The <c>IoUringOpcode</c> member name, or "" when the value has no name.</param>
/// <param name="OpcodeValue">The opcode's numeric value.</param>
/// <param name="KernelName">The kernel's name, such as <c>IORING_OP_READ</c>.</param>
/// <param name="Summary">Summary text (not yet XML-escaped).</param>
/// <param name="Since">First kernel version.</param>
/// <param name="ManPage">liburing man page.</param>
/// <param name="ConstSqeFlags">IOSQE_* bits the builder always sets.</param>
/// <param name="Fields">The [Required] and [Optional] fields, in declaration order.</param>
/// <param name="Consts">The [Const] attributes, in declaration order.</param>
/// <param name="DeclaresLayout">True when the declaration has its own [StructLayout]; otherwise the generated part
/// adds LayoutKind.Auto, which both suits a builder and avoids CS0282 (fields in two parts of a sequential struct).</param>
internal sealed record UringOpModel(
    string Namespace,
    string TypeName,
    string Accessibility,
    string OpcodeMember,
    byte OpcodeValue,
    string KernelName,
    string Summary,
    string Since,
    string ManPage,
    byte ConstSqeFlags,
    EquatableArray<FieldModel> Fields,
    EquatableArray<ConstModel> Consts,
    bool DeclaresLayout);

/// <summary>How a field's value becomes the slot's integer type.</summary>
internal enum ValueConversion
{
    /// <summary>An integer type, named by <see cref="FieldModel.IntegerType"/>.</summary>
    Integer,
    /// <summary>An enum whose underlying type is <see cref="FieldModel.IntegerType"/>.</summary>
    Enum,
    /// <summary><c>UringSafe.Raw.FileRef</c> in the Fd slot: passed through to the FileRef overload.</summary>
    FileRef,
}

/// <summary>One [Required] or [Optional] field.</summary>
/// <param name="FieldName">The field's name, such as <c>_offset</c>.</param>
/// <param name="ParameterName">The constructor parameter name (keyword-escaped), such as <c>offset</c>.</param>
/// <param name="MethodName">The setter name, such as <c>Offset</c>.</param>
/// <param name="TypeName">The field type, fully qualified.</param>
/// <param name="IsRequired">True for [Required].</param>
/// <param name="Slot">The <c>SqeSlot</c> member name.</param>
/// <param name="Doc">Doc text (not yet XML-escaped).</param>
/// <param name="Conversion">How the value is converted.</param>
/// <param name="IntegerType">The C# keyword of the integer type (the underlying type for enums); "" for FileRef.</param>
internal sealed record FieldModel(
    string FieldName,
    string ParameterName,
    string MethodName,
    string TypeName,
    bool IsRequired,
    string Slot,
    string Doc,
    ValueConversion Conversion,
    string IntegerType);

/// <summary>One [Const]: bits always OR-ed into a slot.</summary>
internal sealed record ConstModel(string Slot, ulong Value);

/// <summary>One row of the generated <c>UringOpCatalog</c>.</summary>
internal sealed record CatalogEntry(string Builder, string OpcodeMember, byte OpcodeValue, string Since, string ManPage);
