namespace UringSafe.Package.Tests;

/// <summary>
/// One pack for every test class here (a pack writes the project's obj/ nuspec, so two at once would race); the classes of
/// the collection run one after another.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFeedFixture>
{
    public const string Name = "UringSafe package";
}
