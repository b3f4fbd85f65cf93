namespace UringSafe.Tests.Support;

/// <summary>
/// Tests that attach in-process EventListeners run alone: a listener enables the UringSafe event source for the whole
/// process, and its callbacks allocate on the writing thread, which would break other tests' 0 B/op checks.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideListenersCollection
{
    public const string Name = "process-wide-listeners";
}
