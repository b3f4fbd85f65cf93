using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace UringSafe.Generators;

/// <summary>
/// Emits a typed SQE builder for every <c>partial struct</c> marked <c>[UringOp]</c>, and one
/// <c>UringOpCatalog</c> listing them.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class UringOpGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<UringOpModel> models = GeneratorPipeline.ValidModels(
            context, KnownNames.UringOpAttributeMetadataName, UringOpParser.IsCandidate, UringOpParser.Parse,
            TrackingNames.Declarations, TrackingNames.Models);

        IncrementalValuesProvider<GeneratedSource> builders = models
            .Select(static (model, ct) => UringOpEmitter.EmitBuilder(model, ct))
            .WithTrackingName(TrackingNames.BuilderSources);
        GeneratorPipeline.AddSources(context, builders);

        IncrementalValueProvider<EquatableArray<CatalogEntry>> catalog = models
            .Select(static (model, _) => new CatalogEntry(model.TypeName, model.OpcodeMember, model.OpcodeValue, model.Since, model.ManPage))
            .WithTrackingName(TrackingNames.CatalogEntries)
            .Collect()
            .WithTrackingName(TrackingNames.CollectedCatalogEntries)
            .Select(static (entries, _) => Sort(entries))
            .WithTrackingName(TrackingNames.Catalog);

        context.RegisterSourceOutput(catalog, static (spc, entries) =>
        {
            if (entries.Count == 0) return;
            GeneratedSource source = UringOpEmitter.EmitCatalog(entries);
            spc.AddSource(source.HintName, source.Source);
        });
    }

    private static EquatableArray<CatalogEntry> Sort(ImmutableArray<CatalogEntry> entries)
    {
        CatalogEntry[] sorted = entries.ToArray();
        Array.Sort(sorted, static (a, b) =>
        {
            int byOpcode = a.OpcodeValue.CompareTo(b.OpcodeValue);
            return byOpcode != 0 ? byOpcode : string.CompareOrdinal(a.Builder, b.Builder);
        });
        return new EquatableArray<CatalogEntry>(ImmutableArray.Create(sorted));
    }
}
