using System.Reflection;
using NetArchTest.Rules;
using UringSafe.Async;

namespace UringSafe.Tests.Conventions;

/// <summary>
/// Each layer talks only to the layers below it (docs/architecture.md, "Layers"), checked on the compiled assembly by
/// NetArchTest: a type's IL may not name a type of a layer above its own. Namespaces are the layers.
/// </summary>
public class LayeringTests
{
    private static readonly Assembly s_runtime = typeof(UringReactor).Assembly;

    // Lowest first. A layer may use any layer before it in this list, never one after it.
    private static readonly string[] s_layers =
    [
        "UringSafe.Abi",
        "UringSafe.Interop",
        "UringSafe.Diagnostics",
        "UringSafe.Raw",
        "UringSafe.Buffers",
        "UringSafe.Driver",
        "UringSafe.Async",
        "UringSafe.Files",
        "UringSafe.Net",
    ];

    public static TheoryData<string> Layers() => [.. s_layers];

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_layer_uses_no_layer_above_it(string layer)
    {
        string[] above = [.. s_layers.SkipWhile(l => l != layer).Skip(1)];
        if (layer == "UringSafe.Files")
            above = [.. above.Where(l => l != "UringSafe.Net")]; // siblings: checked below
        if (above.Length == 0)
            return;
        TestResult result = Types.InAssembly(s_runtime).That().ResideInNamespace(layer).ShouldNot().HaveDependencyOnAny(above).GetResult();
        Assert.True(result.IsSuccessful, $"{layer} uses a layer above it ({string.Join(", ", above)}): {Names(result)}");
    }

    [Fact]
    public void Files_and_sockets_do_not_use_each_other()
    {
        TestResult files = Types.InAssembly(s_runtime).That().ResideInNamespace("UringSafe.Files").ShouldNot().HaveDependencyOn("UringSafe.Net").GetResult();
        TestResult net = Types.InAssembly(s_runtime).That().ResideInNamespace("UringSafe.Net").ShouldNot().HaveDependencyOn("UringSafe.Files").GetResult();
        Assert.True(files.IsSuccessful, "UringSafe.Files uses UringSafe.Net: " + Names(files));
        Assert.True(net.IsSuccessful, "UringSafe.Net uses UringSafe.Files: " + Names(net));
    }

    [Fact]
    public void The_errors_under_every_layer_read_no_reactor_and_no_io_type()
    {
        // The root namespace (Errors/, ReturnedBuffer, [Lends]) is used by every layer, so it may use none of the layers
        // that use it back: not the diagnostics, the ring (an exception formats the facts it is given; the capabilities
        // in Raw build it), the reactor, the buffers or the I/O types.
        TestResult result = Types.InAssembly(s_runtime).That().ResideInNamespaceMatching(@"^UringSafe$")
            .ShouldNot().HaveDependencyOnAny("UringSafe.Diagnostics", "UringSafe.Raw", "UringSafe.Buffers", "UringSafe.Driver", "UringSafe.Async", "UringSafe.Files", "UringSafe.Net").GetResult();
        Assert.True(result.IsSuccessful, "The root namespace uses a layer above it: " + Names(result));
    }

    private static string Names(TestResult result) => string.Join(", ", result.FailingTypeNames ?? []);
}
