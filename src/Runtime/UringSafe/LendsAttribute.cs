namespace UringSafe;

/// <summary>
/// Marks a parameter whose argument is lent to an in-flight io_uring operation. From the call until the caller
/// takes the buffer back from the operation's result (<c>(n, buf) = await op(buf)</c>), the kernel may read or
/// write it: the caller must not touch, reuse, pool or dispose it. UringSafe's analyzers (UR0001–UR0006) enforce
/// this for any method carrying the attribute, user code included.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = true, AllowMultiple = false)]
public sealed class LendsAttribute : Attribute
{
}
