namespace UringSafe.Async;

/// <summary>
/// Declares a lend-and-return operation on a <c>partial</c> method returning <c>ValueTask&lt;IoResult&lt;TBuffer&gt;&gt;</c>.
/// The generator emits the method body and an operation struct that lends the <see cref="LendsAttribute"/> parameter,
/// fills the SQE by calling <see cref="PrepareMethod"/>, supports a <see cref="CancellationToken"/> parameter, maps
/// errors to exceptions that carry the buffer back (<see cref="UringException"/>, or what <see cref="ErrorMapper"/>
/// builds), and completes with the result and the buffer.
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

    /// <summary>
    /// True for an operation that must transfer all of the buffer's initialized bytes (<see cref="Buffers.LentRegion.Length"/>),
    /// like a send-all: after a short transfer the generated operation submits itself again for the rest, with the same
    /// lent buffer, and completes with the total. The prepare method then takes <c>int progress</c> (the bytes already
    /// transferred) right after the <see cref="Buffers.LentRegion"/>, and fills the SQE for the bytes from there on. A
    /// round that transfers nothing before the end fails with EIO (through <see cref="ErrorMapper"/> when set). Cannot be
    /// combined with <see cref="FillsBuffer"/> (UR1007).
    /// </summary>
    public bool TransfersAll { get; set; }

    /// <summary>
    /// Optional: name of a static method of the same type that turns a failed operation into the exception the awaiter
    /// gets, e.g. <c>nameof(MapSocketError)</c>. Its signature is
    /// <c>static Exception Map(int errno, string operation, int fd, object? buffer)</c>: <c>errno</c> is the positive errno
    /// value, <c>operation</c> the opcode's name (such as "Recv"), <c>fd</c> the descriptor the SQE named (-1 for a
    /// registered file) and <c>buffer</c> the lent buffer, already released and to be carried back on the exception.
    /// It is called on the reactor thread, after the final completion, for errors other than cancellation and timeout
    /// (those stay <see cref="UringOperationCanceledException"/> and <see cref="UringTimeoutException"/>). Without it,
    /// errors become <see cref="UringException"/>.
    /// </summary>
    public string? ErrorMapper { get; set; }
}
