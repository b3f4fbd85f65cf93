namespace UringSafe.Generators;

/// <summary>A generated file: what both generators hand to <c>AddSource</c>, compared by value so the pipeline caches it.</summary>
internal sealed record GeneratedSource(string HintName, string Source);
