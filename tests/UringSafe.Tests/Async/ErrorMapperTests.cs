using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Raw.Ops;
using UringSafe.Tests.Net;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Async;

/// <summary>
/// <see cref="IUringOperation{TResult}.MapError"/>: what [UringOperation(ErrorMapper = ...)] generates. The reactor asks the
/// operation for its exception on an error, falls back to <see cref="UringException"/> on null, and never asks for a
/// cancellation through the token.
/// </summary>
public sealed class ErrorMapperTests
{
    private const int BadFd = 1 << 20; // far above any open descriptor: EBADF

    private sealed class MappedException(int errno, string operation, int fd, object? buffer) : Exception("mapped")
    {
        public int Errno { get; } = errno;
        public string Operation { get; } = operation;
        public int Fd { get; } = fd;
        public object? Buffer { get; } = buffer;
    }

    /// <summary>A poll of <paramref name="fd"/> whose errors become <see cref="MappedException"/>s (or, with
    /// <paramref name="mode"/> 1, null; with 2, the mapper throws).</summary>
    private readonly struct MappedPoll(int fd, object buffer, int mode) : IUringOperation<int>
    {
        public void Prepare(ref Sqe sqe, in OperationContext context) => new PollAdd(fd, 1 /* POLLIN */).WriteTo(ref sqe);
        public int Complete(int result, CqeFlags flags) => result;
        public object? Release(int result) => buffer;

        public Exception? MapError(int errno, string operation, int fd, object? buffer) => mode switch
        {
            0 => new MappedException(errno, operation, fd, buffer),
            1 => null,
            _ => throw new InvalidOperationException("the mapper failed"),
        };
    }

    /// <summary>No MapError: the interface's default (null) applies.</summary>
    private readonly struct PlainPoll(int fd, object buffer) : IUringOperation<int>
    {
        public void Prepare(ref Sqe sqe, in OperationContext context) => new PollAdd(fd, 1 /* POLLIN */).WriteTo(ref sqe);
        public int Complete(int result, CqeFlags flags) => result;
        public object? Release(int result) => buffer;
    }

    [Fact]
    public void An_error_becomes_the_exception_MapError_builds_with_errno_operation_fd_and_buffer()
    {
        NetRuntime.Run(async () =>
        {
            object buffer = new byte[4];
            var e = await Assert.ThrowsAsync<MappedException>(async () =>
                await UringReactor.Current.Execute<MappedPoll, int>(new MappedPoll(BadFd, buffer, mode: 0)));
            Assert.Equal(Errno.EBADF, e.Errno);
            Assert.Equal(nameof(IoUringOpcode.PollAdd), e.Operation);
            Assert.Equal(BadFd, e.Fd);
            Assert.Same(buffer, e.Buffer);
        });
    }

    [Fact]
    public void A_null_from_MapError_or_no_MapError_is_a_UringException()
    {
        NetRuntime.Run(async () =>
        {
            object buffer = new byte[4];
            var e = await Assert.ThrowsAsync<UringException>(async () =>
                await UringReactor.Current.Execute<MappedPoll, int>(new MappedPoll(BadFd, buffer, mode: 1)));
            Assert.Equal(Errno.EBADF, e.Errno);
            Assert.Same(buffer, e.Buffer);

            var plain = await Assert.ThrowsAsync<UringException>(async () =>
                await UringReactor.Current.Execute<PlainPoll, int>(new PlainPoll(BadFd, buffer)));
            Assert.Equal(Errno.EBADF, plain.Errno);
            Assert.Same(buffer, plain.Buffer);
        });
    }

    [Fact]
    public void A_mapper_that_throws_fails_the_operation_not_the_reactor()
    {
        int after = -1;
        NetRuntime.Run(async () =>
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
                await UringReactor.Current.Execute<MappedPoll, int>(new MappedPoll(BadFd, new byte[1], mode: 2)));
            Assert.Equal("the mapper failed", e.Message);
            after = await NopOperation.Run() + 1; // the reactor keeps running
        });
        Assert.Equal(1, after);
    }

    [Fact]
    public void Cancellation_through_the_token_is_not_mapped()
    {
        using var fds = new Fds();
        var (read, _) = fds.Pipe();
        NetRuntime.Run(async () =>
        {
            object buffer = new byte[4];
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
            var e = await Assert.ThrowsAsync<UringOperationCanceledException>(async () =>
                await UringReactor.Current.Execute<MappedPoll, int>(new MappedPoll(read, buffer, mode: 0), cts.Token));
            Assert.Same(buffer, e.Buffer);
        });
    }
}
