namespace UringSafe.Generators;

/// <summary>
/// The names given with <c>WithTrackingName</c> to each step of <see cref="UringOpGenerator"/>'s and
/// <see cref="UringOperationGenerator"/>'s pipelines, so tests can assert that a step's outputs were cached.
/// </summary>
public static class TrackingNames
{
    /// <summary>The model (or null for an invalid declaration) of each <c>[UringOp]</c> struct.</summary>
    public const string Declarations = nameof(Declarations);

    /// <summary>The valid models only.</summary>
    public const string Models = nameof(Models);

    /// <summary>The generated builder source of each model.</summary>
    public const string BuilderSources = nameof(BuilderSources);

    /// <summary>One catalog row per model.</summary>
    public const string CatalogEntries = nameof(CatalogEntries);

    /// <summary>All catalog rows of the compilation, collected.</summary>
    public const string CollectedCatalogEntries = nameof(CollectedCatalogEntries);

    /// <summary>The collected rows as an equatable, sorted array.</summary>
    public const string Catalog = nameof(Catalog);

    /// <summary>The model (or null for a declaration the generator skips) of each <c>[UringOperation]</c> method.</summary>
    public const string OperationDeclarations = nameof(OperationDeclarations);

    /// <summary>The valid <c>[UringOperation]</c> models only.</summary>
    public const string OperationModels = nameof(OperationModels);

    /// <summary>The generated method body and operation struct of each <c>[UringOperation]</c> model.</summary>
    public const string OperationSources = nameof(OperationSources);

    /// <summary>Every tracking name of <see cref="UringOpGenerator"/>, for tests.</summary>
    public static readonly string[] All =
    {
        Declarations, Models, BuilderSources, CatalogEntries, CollectedCatalogEntries, Catalog,
    };

    /// <summary>Every tracking name of <see cref="UringOperationGenerator"/>, for tests.</summary>
    public static readonly string[] Operation =
    {
        OperationDeclarations, OperationModels, OperationSources,
    };
}
