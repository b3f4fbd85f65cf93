using UringSafe.Abi;

namespace UringSafe.Async;

/// <summary>
/// What the owner of a <see cref="SharedFd"/> (a file, a socket, a listener) knows about it, for messages. Asked only
/// when a message is written (an error, a diagnostics snapshot), so it costs nothing per connection until then.
/// </summary>
internal interface IFdContext
{
    /// <summary>The descriptor for messages: a path and how it was opened, a socket's endpoints.</summary>
    string Describe();

    /// <summary>Advice for an error only the owner can give (a write on a file opened read-only), or null for the
    /// errno's generic advice.</summary>
    string? HintFor(IoUringOpcode opcode, int errno) => null;
}
