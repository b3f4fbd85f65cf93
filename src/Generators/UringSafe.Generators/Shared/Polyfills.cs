// Polyfills that let netstandard2.0 compile modern C# (records, init accessors).
namespace System.Runtime.CompilerServices;

/// <summary>Reserved for the compiler; lets records and <c>init</c> accessors compile on netstandard2.0.</summary>
internal static class IsExternalInit
{
}
