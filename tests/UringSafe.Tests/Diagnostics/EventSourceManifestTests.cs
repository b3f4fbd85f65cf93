using System.Diagnostics.Tracing;
using UringSafe.Async;

namespace UringSafe.Tests.Diagnostics;

/// <summary>
/// The UringSafe event source is valid as a whole. An invalid one (two events with one id, a WriteEvent id that is not
/// its method's) does not throw where it is used: it silently writes nothing, so `uringsafe dump` and every trace go
/// blind. Two branches that each added "event 6" once did exactly that.
/// </summary>
public class EventSourceManifestTests
{
    [Fact]
    public void The_event_source_manifest_is_valid_and_every_event_id_is_unique()
    {
        string? manifest = EventSource.GenerateManifest(typeof(UringEventSource), "UringSafe.dll", EventManifestOptions.Strict);
        Assert.NotNull(manifest);
        var ids = typeof(UringEventSource).GetMethods()
            .Select(m => m.GetCustomAttributes(typeof(EventAttribute), false).OfType<EventAttribute>().FirstOrDefault())
            .Where(a => a is not null)
            .GroupBy(a => a!.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => g.Key)
            .ToList();
        Assert.True(ids.Count == 0, "event ids used twice: " + string.Join(", ", ids));
    }
}
