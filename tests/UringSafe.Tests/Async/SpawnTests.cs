using UringSafe.Async;

namespace UringSafe.Tests.Async;

/// <summary>An exception escaping spawned work is reported, never lost with a discarded task.</summary>
public class SpawnTests
{
    [Fact]
    public void A_failing_spawned_task_reaches_the_reactor_event()
    {
        var seen = new List<(int Reactor, Exception Error)>();
        UringRuntime.Run(async () =>
        {
            UringReactor reactor = UringReactor.Current;
            reactor.UnhandledException += (r, e) => seen.Add((r.Id, e));
            _ = reactor.Spawn(async () =>
            {
                await reactor.Delay(TimeSpan.FromMilliseconds(1));
                throw new InvalidOperationException("boom in spawned work");
            });
            _ = reactor.Spawn(async () =>
            {
                await reactor.Delay(TimeSpan.FromMilliseconds(1));
                throw new OperationCanceledException(); // a cancellation is not an error
            });
            for (int i = 0; i < 200 && seen.Count == 0; i++)
                await reactor.Delay(TimeSpan.FromMilliseconds(5));
            Assert.Equal(reactor.Id, Assert.Single(seen).Reactor);
        });
        Assert.Equal("boom in spawned work", Assert.IsType<InvalidOperationException>(Assert.Single(seen).Error).Message);
    }

    [Fact]
    public void Without_a_handler_the_exception_is_written_to_stderr_with_the_reactor_id()
    {
        TextWriter original = Console.Error;
        var captured = new StringWriter();
        int id = 0;
        try
        {
            Console.SetError(captured);
            UringRuntime.Run(async () =>
            {
                UringReactor reactor = UringReactor.Current;
                id = reactor.Id;
                Task failing = reactor.Spawn(() => throw new InvalidOperationException("nobody awaited me"));
                while (!failing.IsCompleted)
                    await reactor.Delay(TimeSpan.FromMilliseconds(1));
                await reactor.Delay(TimeSpan.FromMilliseconds(1));
            });
        }
        finally
        {
            Console.SetError(original);
        }
        string text = captured.ToString();
        Assert.Contains($"reactor {id}", text);
        Assert.Contains("nobody awaited me", text);
    }
}
