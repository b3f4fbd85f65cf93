namespace UringSafe;

/// <summary>
/// An operation's exception that can name what the operation acted on. The descriptor's owner attaches it
/// (<see cref="Async.SharedFd"/>, from the one place errors of operations are built), so every operation on a file or
/// socket says which one, without each operation repeating it.
/// </summary>
internal interface IErrorTarget
{
    /// <summary>Names the target (a path and open mode, or endpoints) and, when the owner knows better than the errno's
    /// generic advice, replaces the hint.</summary>
    void Attach(string target, string? hint);
}
