using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;

namespace UringSafe.Analyzers.Tests;

/// <summary>
/// Reference assemblies taken from the local .NET SDK targeting pack, so tests never download packages.
/// </summary>
internal static class TestReferences
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> Lazy = new(Load);

    public static ImmutableArray<MetadataReference> Net => Lazy.Value;

    public static string? ReferenceDirectory { get; private set; }

    private static ImmutableArray<MetadataReference> Load()
    {
        var directory = FindTargetingPack() ?? RuntimeEnvironment.GetRuntimeDirectory();
        ReferenceDirectory = directory;
        return Directory.GetFiles(directory, "*.dll")
            .Where(IsManagedAssembly)
            .OrderBy(path => path, StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }

    private static string? FindTargetingPack()
    {
        // <dotnet root>/shared/Microsoft.NETCore.App/<version>/ -> <dotnet root>/packs/Microsoft.NETCore.App.Ref/<version>/ref/net<major>.0
        var runtimeDirectory = new DirectoryInfo(RuntimeEnvironment.GetRuntimeDirectory());
        var dotnetRoot = runtimeDirectory.Parent?.Parent?.Parent;
        var packs = dotnetRoot == null ? null : new DirectoryInfo(Path.Combine(dotnetRoot.FullName, "packs", "Microsoft.NETCore.App.Ref"));
        if (packs == null || !packs.Exists)
        {
            return null;
        }

        var framework = "net" + Environment.Version.Major + ".0";
        return packs.GetDirectories()
            .Select(version => Path.Combine(version.FullName, "ref", framework))
            .Where(Directory.Exists)
            .OrderByDescending(path => path, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new System.Reflection.PortableExecutable.PEReader(stream);
            return reader.HasMetadata;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
