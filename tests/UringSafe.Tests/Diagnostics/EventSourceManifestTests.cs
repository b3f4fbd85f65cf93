using System.Diagnostics.Tracing;
using UringSafe.Async;
using UringSafe.Diagnostics;

namespace UringSafe.Tests.Diagnostics;

/// <summary>
/// The UringSafe EventSource's manifest is valid: two events sharing an id make the runtime refuse the source when a
/// listener enables it (uringsafe dump, dotnet-trace), which no single event's test would notice.
/// </summary>
public sealed class EventSourceManifestTests
{
    [Fact]
    public void Every_event_has_its_own_id_and_the_manifest_builds_strictly()
    {
        Type source = typeof(UringEventSource);
        var ids = source.GetMethods()
            .Select(m => (m.Name, Attribute: m.GetCustomAttributes(typeof(EventAttribute), false).OfType<EventAttribute>().SingleOrDefault()))
            .Where(e => e.Attribute is not null)
            .GroupBy(e => e.Attribute!.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"id {g.Key}: {string.Join(", ", g.Select(e => e.Name))}")
            .ToList();
        Assert.True(ids.Count == 0, "UringEventSource events share an id: " + string.Join("; ", ids));

        string? manifest = EventSource.GenerateManifest(source, source.Assembly.Location, EventManifestOptions.Strict);
        Assert.False(string.IsNullOrEmpty(manifest), "UringEventSource's manifest did not build");
    }
}
