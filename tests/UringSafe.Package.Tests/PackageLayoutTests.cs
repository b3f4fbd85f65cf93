using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace UringSafe.Package.Tests;

/// <summary>What <c>dotnet pack</c> puts in UringSafe.&lt;version&gt;.nupkg.</summary>
[Collection(PackageCollection.Name)]
public sealed class PackageLayoutTests(PackageFeedFixture fixture)
{
    private static readonly string[] s_analyzerAssemblies = ["UringSafe.Analyzers.CodeFixes.dll", "UringSafe.Analyzers.dll", "UringSafe.Generators.dll"];

    [Fact]
    public void Package_is_named_after_the_one_version()
    {
        Assert.Equal($"UringSafe.{fixture.Version}.nupkg", Path.GetFileName(fixture.PackagePath));
        Assert.Equal(fixture.Version, Metadata("version"));
    }

    [Fact]
    public void Runtime_and_its_docs_are_in_lib()
    {
        string[] lib = Entries().Where(e => e.StartsWith("lib/", StringComparison.Ordinal)).Order().ToArray();
        Assert.Equal(["lib/net10.0/UringSafe.dll", "lib/net10.0/UringSafe.xml"], lib);

        // The XML docs are the real thing, not an empty file.
        using ZipArchive zip = ZipFile.OpenRead(fixture.PackagePath);
        using Stream docs = zip.GetEntry("lib/net10.0/UringSafe.xml")!.Open();
        XDocument xml = XDocument.Load(docs);
        Assert.Contains(xml.Descendants("member"), m => (string?)m.Attribute("name") == "T:UringSafe.Files.UringFile");
        Assert.True(xml.Descendants("member").Count() > 500);
    }

    [Fact]
    public void Dll_embeds_its_pdb_with_every_source_file()
    {
        using ZipArchive zip = ZipFile.OpenRead(fixture.PackagePath);
        using var dll = new MemoryStream();
        using (Stream entry = zip.GetEntry("lib/net10.0/UringSafe.dll")!.Open())
            entry.CopyTo(dll);
        dll.Position = 0;
        using var pe = new PEReader(dll);
        DebugDirectoryEntry embedded = Assert.Single(pe.ReadDebugDirectory(), d => d.Type == DebugDirectoryEntryType.EmbeddedPortablePdb);
        using MetadataReaderProvider pdb = pe.ReadEmbeddedPortablePdbDebugDirectoryData(embedded);
        MetadataReader reader = pdb.GetMetadataReader();
        var embeddedSource = new Guid("0E8A571B-6926-466E-B4AD-8AB04611F5FE");
        int embeddedSources = reader.CustomDebugInformation.Count(h => reader.GetGuid(reader.GetCustomDebugInformation(h).Kind) == embeddedSource);
        Assert.True(reader.Documents.Count > 50, $"{reader.Documents.Count} documents");
        Assert.Equal(reader.Documents.Count, embeddedSources);
    }

    [Fact]
    public void Analyzers_code_fixes_and_generators_are_under_analyzers_dotnet_cs_only()
    {
        string[] entries = Entries();
        Assert.Equal(s_analyzerAssemblies.Select(a => "analyzers/dotnet/cs/" + a), entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)).Order());
        foreach (string assembly in s_analyzerAssemblies)
            Assert.Single(entries, e => e.EndsWith("/" + assembly, StringComparison.Ordinal));
    }

    [Fact]
    public void Build_assets_pick_the_analysis_mode_for_direct_and_transitive_consumers()
    {
        string[] entries = Entries();
        Assert.Contains("build/UringSafe.props", entries);
        Assert.Contains("build/UringSafe.targets", entries);
        Assert.Contains("buildTransitive/UringSafe.props", entries);
        Assert.Contains("buildTransitive/UringSafe.targets", entries);
        Assert.Contains("build/AnalyzerConfigs/UringSafe.Default.globalconfig", entries);
        Assert.Contains("build/AnalyzerConfigs/UringSafe.Strict.globalconfig", entries);

        using ZipArchive zip = ZipFile.OpenRead(fixture.PackagePath);
        foreach (string mode in new[] { "Default", "Strict" })
        {
            using var reader = new StreamReader(zip.GetEntry($"build/AnalyzerConfigs/UringSafe.{mode}.globalconfig")!.Open());
            string text = reader.ReadToEnd();
            Assert.Contains("is_global = true", text);
            Assert.Contains("global_level = -90", text);
        }
    }

    [Fact]
    public void Metadata_has_readme_license_tags_and_repository()
    {
        string[] entries = Entries();
        Assert.Contains("README.md", entries);
        Assert.Contains("LICENSE", entries);
        Assert.Equal("README.md", Metadata("readme"));
        XElement license = MetadataElement("license");
        Assert.Equal("expression", (string?)license.Attribute("type"));
        Assert.Equal("MIT", license.Value);
        Assert.Contains("io_uring", Metadata("tags").Split(' '));
        Assert.Equal("UringSafe contributors", Metadata("authors"));
        XElement repository = MetadataElement("repository");
        Assert.Equal("git", (string?)repository.Attribute("type"));
        Assert.Equal("https://github.com/uringsafe/uringsafe", (string?)repository.Attribute("url"));
        Assert.False(string.IsNullOrWhiteSpace(Metadata("description")));
    }

    [Fact]
    public void Only_runtime_dependencies_flow_to_consumers()
    {
        string[] dependencies = MetadataElement("dependencies").Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => (string)e.Attribute("id")!).Order().ToArray();
        Assert.Equal(["Tmds.LibC"], dependencies); // not the generator/analyzer projects, not Roslyn
    }

    private string[] Entries()
    {
        using ZipArchive zip = ZipFile.OpenRead(fixture.PackagePath);
        return zip.Entries.Select(e => e.FullName).ToArray();
    }

    private string Metadata(string name) => MetadataElement(name).Value;

    private XElement MetadataElement(string name)
    {
        using ZipArchive zip = ZipFile.OpenRead(fixture.PackagePath);
        using Stream stream = zip.GetEntry("UringSafe.nuspec")!.Open();
        XDocument nuspec = XDocument.Load(stream);
        return nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata").Elements().Single(e => e.Name.LocalName == name);
    }
}
