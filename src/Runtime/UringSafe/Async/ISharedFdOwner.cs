namespace UringSafe.Async;

/// <summary>
/// A type whose operations act on one descriptor owned by a <see cref="Async.SharedFd"/> (a file, a socket). Its
/// <see cref="UringOperationAttribute"/> methods pass that owner to <see cref="UringReactor.Execute{TOp, TResult}(in TOp, Async.SharedFd?, CancellationToken, TimeSpan)"/>,
/// so each operation keeps the descriptor open until its final completion, and closing it cancels them first.
/// </summary>
public interface ISharedFdOwner
{
    /// <summary>The descriptor's owner.</summary>
    SharedFd SharedFd { get; }
}
