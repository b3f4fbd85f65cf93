using System.Buffers;
using System.Net;
using System.Reflection;
using Microsoft.Extensions.Logging;
using UringSafe.Net;

namespace UringSafe.AspNetCore.Tests;

/// <summary>Runs alone: it redirects Console.Error for a moment.</summary>
[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection
{
}

/// <summary>The accept back-off at EMFILE is the transport's diagnostic, so it goes to the host's ILogger (issue 19,
/// item 4), not to Console.Error.</summary>
[Collection(nameof(ConsoleCollection))]
public class AcceptBackoffTests
{
    [Fact]
    public async Task Emfile_back_off_is_logged_once_per_episode_through_the_hosts_logger_not_the_console()
    {
        var logs = new CapturingLoggerProvider();
        var console = new StringWriter();
        TextWriter stderr = Console.Error;
        using var transport = new UringTransport(new UringSafeTransportOptions { ReactorCount = 1, PinToCores = false },
            MemoryPool<byte>.Shared, logs.CreateLogger(Log.Category));
        UringConnectionListener bound = await UringConnectionListener.BindAsync(transport, new IPEndPoint(IPAddress.Loopback, 0));
        Console.SetError(console);
        try
        {
            // The listener's own report of an accept error, as its accept loop makes it at EMFILE (three in a row:
            // one episode). Exhausting this process's fds for real kills the test host instead (the runtime needs fds).
            // OnAcceptError is internal to the runtime; reflection keeps it so.
            UringTcpListener listener = bound.ListenerOn(0)!;
            MethodInfo report = typeof(UringSocketListener).GetMethod("OnAcceptError", BindingFlags.Instance | BindingFlags.NonPublic)!;
            await transport.Executor.Spawn(0, () =>
            {
                for (int i = 0; i < 3; i++)
                    report.Invoke(listener, [SocketErrors.EMFILE]);
                return Task.CompletedTask;
            }).WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            Console.SetError(stderr);
            await bound.DisposeAsync();
        }
        Assert.Equal("", console.ToString());
        var entry = Assert.Single(logs.Entries, e => e.Message.Contains("backing off", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("EMFILE", entry.Message, StringComparison.Ordinal);
    }
}
