using UringSafe.Analyzers.CodeFixes;

namespace UringSafe.Analyzers.Tests;

public class AddLendsCodeFixTests
{
    [Fact]
    public Task AddsLendsWhereTheAttributeIsInScope() => Verify.CodeFixAsync(
        """
        using UringSafe;

        class C
        {
            async Task Helper(UringFile f, byte[] {|UR0007:buf|})
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """,
        """
        using UringSafe;

        class C
        {
            async Task Helper(UringFile f, [Lends] byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """,
        new AddLendsCodeFixProvider());

    [Fact]
    public Task AddsQualifiedLendsWithoutAUsing() => Verify.CodeFixAsync(
        """
        class C
        {
            async Task Helper(UringFile f, byte[] {|UR0007:buf|})
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """,
        """
        class C
        {
            async Task Helper(UringFile f, [UringSafe.Lends] byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """,
        new AddLendsCodeFixProvider());

    [Fact]
    public Task FixAllDeclaresEveryLinkOfAChain() => Verify.CodeFixAsync(
        """
        using UringSafe;

        class C
        {
            async Task Inner(UringFile f, byte[] {|UR0007:buf|})
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }

            async Task Outer(UringFile f, byte[] {|UR0007:first|}, byte[] {|UR0007:second|})
            {
                (_, first) = await f.ReadAtAsync(first, 0);
                (_, second) = await f.WriteAtAsync(second, 0);
            }
        }
        """,
        """
        using UringSafe;

        class C
        {
            async Task Inner(UringFile f, [Lends] byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }

            async Task Outer(UringFile f, [Lends] byte[] first, [Lends] byte[] second)
            {
                (_, first) = await f.ReadAtAsync(first, 0);
                (_, second) = await f.WriteAtAsync(second, 0);
            }
        }
        """,
        new AddLendsCodeFixProvider(),
        iterations: 3,
        fixAllIterations: 1);

    [Fact]
    public Task AddsLendsToAnImplementationThatMustAgree() => Verify.CodeFixAsync(
        """
        using UringSafe;

        interface IReader
        {
            Task ReadAsync(UringFile f, [Lends] byte[] buf);
        }

        class Reader : IReader
        {
            public Task ReadAsync(UringFile f, byte[] {|UR0007:buf|}) => Task.CompletedTask;
        }
        """,
        """
        using UringSafe;

        interface IReader
        {
            Task ReadAsync(UringFile f, [Lends] byte[] buf);
        }

        class Reader : IReader
        {
            public Task ReadAsync(UringFile f, [Lends] byte[] buf) => Task.CompletedTask;
        }
        """,
        new AddLendsCodeFixProvider());

    [Fact]
    public Task AddsLendsToTheInterfaceAnImplementationLendsFor() => Verify.CodeFixAsync(
        """
        using UringSafe;

        interface IReader
        {
            Task ReadAsync(UringFile f, byte[] buf);
        }

        class Reader : IReader
        {
            public async Task ReadAsync(UringFile f, [Lends] byte[] {|UR0007:buf|})
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """,
        """
        using UringSafe;

        interface IReader
        {
            Task ReadAsync(UringFile f, [Lends] byte[] buf);
        }

        class Reader : IReader
        {
            public async Task ReadAsync(UringFile f, [Lends] byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """,
        new AddLendsCodeFixProvider());

    [Fact]
    public Task KeepsExistingAttributes() => Verify.CodeFixAsync(
        """
        using UringSafe;
        using System.Diagnostics.CodeAnalysis;

        class C
        {
            async Task Helper(UringFile f, [NotNull] byte[] {|UR0007:buf|})
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """,
        """
        using UringSafe;
        using System.Diagnostics.CodeAnalysis;

        class C
        {
            async Task Helper(UringFile f, [Lends] [NotNull] byte[] buf)
            {
                (_, buf) = await f.ReadAtAsync(buf, 0);
            }
        }
        """,
        new AddLendsCodeFixProvider());
}
