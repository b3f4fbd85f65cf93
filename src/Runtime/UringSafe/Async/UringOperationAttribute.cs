namespace UringSafe.Async;

/// <summary>
/// Declares a lend-and-return operation on a <c>partial</c> method returning <c>ValueTask&lt;IoResult&lt;TBuffer&gt;&gt;</c>.
/// The generator emits the method body and an operation struct that lends the <see cref="LendsAttribute"/> parameter,
/// fills the SQE by calling <see cref="PrepareMethod"/>, supports a <see cref="CancellationToken"/> parameter, maps
/// errors to exceptions that carry the buffer back, and completes with the result and the buffer.
/// </summary>
/// <remarks>
/// The prepare method is an instance (or static) method of the same type, taking a
/// <see cref="Buffers.LentRegion"/> for the lent parameter followed by the remaining parameters (minus the token),
/// and returning an <see cref="Abi.Sqe"/>, typically built with a builder from <c>UringSafe.Raw.Ops</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class UringOperationAttribute : Attribute
{
    /// <param name="prepareMethod">Name of the method that builds the SQE, e.g. <c>nameof(PrepareRead)</c>.</param>
    public UringOperationAttribute(string prepareMethod) => PrepareMethod = prepareMethod;

    /// <summary>Name of the method that builds the SQE.</summary>
    public string PrepareMethod { get; }

    /// <summary>True when a successful result is a byte count written into the buffer (reads): it becomes the
    /// <see cref="Buffers.IoBuffer.Length"/> of an <see cref="Buffers.IoBuffer"/>.</summary>
    public bool FillsBuffer { get; set; }
}
