namespace UringSafe.Tests.Support;

/// <summary>Tests that compare the process's fd count run alone: parallel tests open and close fds too.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FdCountCollection
{
    public const string Name = "fd-count";
}
