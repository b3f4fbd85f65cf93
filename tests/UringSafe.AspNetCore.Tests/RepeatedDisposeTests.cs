using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using UringSafe.Tests.Support;
using static UringSafe.Tests.Support.RepeatedDispose;

namespace UringSafe.AspNetCore.Tests;

/// <summary>
/// Dispose may be called more than once (.NET's rule): for every public disposable type of the Kestrel transport, a
/// repeated Dispose/DisposeAsync does nothing. A new public disposable type without a case here fails the first test.
/// </summary>
public sealed class RepeatedDisposeTests
{
    private static readonly Dictionary<Type, Func<Task>> Cases = new()
    {
        [typeof(UringSafeTransportFactory)] = () => TwiceAsync(async () =>
        {
            // With its reactors started: a bound (then unbound) listener made the factory create its transport.
            var factory = new UringSafeTransportFactory(
                Options.Create(new UringSafeTransportOptions { ReactorCount = 1, PinToCores = false }),
                NullLoggerFactory.Instance,
                new ServiceCollection().BuildServiceProvider());
            var listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
            await listener.UnbindAsync();
            await listener.DisposeAsync();
            return factory;
        }, f => f.BindAsync(new IPEndPoint(IPAddress.Loopback, 0)).AsTask()),
    };

    [Fact]
    public void Every_public_disposable_type_has_a_case()
        => AssertEveryTypeHasACase(typeof(UringSafeTransportFactory).Assembly, Cases.Keys);

    public static TheoryData<string> CaseNames => new(Cases.Keys.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task A_repeated_dispose_does_nothing(string type)
    {
        Task run = Cases.Single(c => c.Key.Name == type).Value();
        Assert.True(await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30))) == run, $"Watchdog: the repeated dispose of {type} hangs.");
        await run;
    }
}
