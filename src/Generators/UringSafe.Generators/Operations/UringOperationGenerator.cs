using Microsoft.CodeAnalysis;

namespace UringSafe.Generators;

/// <summary>
/// Implements every <c>partial</c> method marked <c>[UringSafe.Async.UringOperation]</c>: the body runs the operation on
/// the current reactor, and a private operation struct lends the <c>[Lends]</c> buffer, fills the SQE through the named
/// prepare method and hands the buffer back in the <c>IoResult</c> (or on the exception). Reports nothing: the companion
/// <see cref="Diagnostics.UringOperationAnalyzer"/> explains declarations it skips (UR1001–UR1004, UR1006, UR1007).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class UringOperationGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<OperationModel> models = GeneratorPipeline.ValidModels(
            context, OperationKnownNames.UringOperationAttributeMetadataName, OperationParser.IsCandidate, OperationParser.Parse,
            TrackingNames.OperationDeclarations, TrackingNames.OperationModels);

        IncrementalValuesProvider<GeneratedSource> sources = models
            .Select(static (model, ct) => OperationEmitter.Emit(model, ct))
            .WithTrackingName(TrackingNames.OperationSources);
        GeneratorPipeline.AddSources(context, sources);
    }
}
