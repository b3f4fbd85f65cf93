using System;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace UringSafe.Generators;

/// <summary>The first steps both generators share: the attributed declarations, parsed, and the valid models only.</summary>
internal static class GeneratorPipeline
{
    /// <summary>
    /// Parses each declaration carrying <paramref name="attributeMetadataName"/> (null when the generator skips it:
    /// the companion analyzer says why) and keeps the valid models, tracking the two steps under the names given.
    /// </summary>
    public static IncrementalValuesProvider<TModel> ValidModels<TModel>(
        IncrementalGeneratorInitializationContext context,
        string attributeMetadataName,
        Func<SyntaxNode, CancellationToken, bool> isCandidate,
        Func<GeneratorAttributeSyntaxContext, CancellationToken, TModel?> parse,
        string declarationsTrackingName,
        string modelsTrackingName)
        where TModel : class
        => context.SyntaxProvider
            .ForAttributeWithMetadataName(attributeMetadataName, isCandidate, parse)
            .WithTrackingName(declarationsTrackingName)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(modelsTrackingName);

    /// <summary>Adds each generated file to the compilation.</summary>
    public static void AddSources(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<GeneratedSource> sources)
        => context.RegisterSourceOutput(sources, static (spc, source) => spc.AddSource(source.HintName, source.Source));
}
