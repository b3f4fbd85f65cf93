using UringSafe.Abi;

namespace UringSafe.Raw.Ops.Declarations;

/// <summary>
/// Declares a typed SQE builder. Put it on a <c>partial struct</c> whose private fields carry
/// <see cref="RequiredAttribute"/> or <see cref="OptionalAttribute"/>; the UringSafe generator emits the
/// constructor, the chained setters, <c>CODE</c>, <c>Build()</c> and <c>WriteTo(ref Sqe)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false)]
public sealed class UringOpAttribute : Attribute
{
    /// <param name="opcode">The kernel opcode this builder fills in.</param>
    /// <param name="summary">One sentence for the builder's XML summary.</param>
    /// <param name="since">The first kernel version with this opcode or variant, such as "5.6".</param>
    /// <param name="manPage">The liburing man page, such as "io_uring_prep_read".</param>
    public UringOpAttribute(IoUringOpcode opcode, string summary, string since, string manPage)
    {
        Opcode = opcode;
        Summary = summary;
        Since = since;
        ManPage = manPage;
    }

    /// <summary>The kernel opcode.</summary>
    public IoUringOpcode Opcode { get; }
    /// <summary>XML summary text.</summary>
    public string Summary { get; }
    /// <summary>First kernel version.</summary>
    public string Since { get; }
    /// <summary>liburing man page name.</summary>
    public string ManPage { get; }
    /// <summary>
    /// IOSQE_* flags the builder always sets, for variants the kernel accepts only with one
    /// (IOSQE_BUFFER_SELECT for a multishot or bundle receive, IOSQE_FIXED_FILE for FIXED_FD_INSTALL).
    /// They are OR-ed with whatever the caller passes to the builder's <c>Flags</c> setter.
    /// </summary>
    public SqeFlags SqeFlags { get; set; }
}

/// <summary>A constructor argument of the builder, written into <see cref="Slot"/>.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class RequiredAttribute : Attribute
{
    /// <param name="slot">The SQE field the value goes in.</param>
    /// <param name="doc">XML doc text for the parameter.</param>
    public RequiredAttribute(SqeSlot slot, string doc) { Slot = slot; Doc = doc; }
    /// <summary>The SQE field.</summary>
    public SqeSlot Slot { get; }
    /// <summary>XML doc text.</summary>
    public string Doc { get; }
}

/// <summary>A chained setter of the builder, written into <see cref="Slot"/>. The field's initializer is its default.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class OptionalAttribute : Attribute
{
    /// <param name="slot">The SQE field the value goes in.</param>
    /// <param name="doc">XML doc text for the setter.</param>
    public OptionalAttribute(SqeSlot slot, string doc) { Slot = slot; Doc = doc; }
    /// <summary>The SQE field.</summary>
    public SqeSlot Slot { get; }
    /// <summary>XML doc text.</summary>
    public string Doc { get; }
}

/// <summary>A constant the builder always ORs into <see cref="Slot"/>, such as IORING_ACCEPT_MULTISHOT for a multishot variant.</summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false, AllowMultiple = true)]
public sealed class ConstAttribute : Attribute
{
    /// <param name="slot">The SQE field.</param>
    /// <param name="value">The bits to OR in.</param>
    public ConstAttribute(SqeSlot slot, ulong value) { Slot = slot; Value = value; }
    /// <summary>The SQE field.</summary>
    public SqeSlot Slot { get; }
    /// <summary>The bits.</summary>
    public ulong Value { get; }
}
