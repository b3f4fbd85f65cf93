namespace UringSafe.Async;

/// <summary>Marks the multishot operation kind, for diagnostics.</summary>
internal interface IMultishot
{
}
