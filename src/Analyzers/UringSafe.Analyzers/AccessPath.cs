using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace UringSafe.Analyzers;

/// <summary>
/// A tracked storage location: a local, a parameter, a field of <c>this</c> (or a static field), optionally followed
/// by fields, properties or array elements, such as <c>conn.Buffer</c> or <c>bufs[0]</c>.
/// </summary>
internal sealed class AccessPath : IEquatable<AccessPath>
{
    public const int MaxLength = 4;

    private readonly int _hash;

    private AccessPath(ImmutableArray<object> segments)
    {
        Segments = segments;
        var hash = 17;
        foreach (var segment in segments)
        {
            hash = unchecked((hash * 31) + (segment is ISymbol symbol ? SymbolEqualityComparer.Default.GetHashCode(symbol) : segment.GetHashCode()));
        }

        _hash = hash;
    }

    /// <summary>Symbols (the root and then fields or properties) and <see cref="Element"/>s.</summary>
    public ImmutableArray<object> Segments { get; }

    public ISymbol Root => (ISymbol)Segments[0];

    public int Length => Segments.Length;

    /// <summary>Whether an element with an unknown index is part of the path (<c>bufs[i]</c>).</summary>
    public bool HasUnknownElement => Segments.Any(segment => segment is Element { Index: null });

    public static AccessPath Of(ISymbol symbol) => new AccessPath(ImmutableArray.Create<object>(symbol));

    public AccessPath? Append(ISymbol member) => Append((object)member);

    /// <summary>An array element: constant indices are locations of their own, any other index stands for every element.</summary>
    public AccessPath? AppendElement(int? index, string text) => Append(new Element(index, text));

    public AccessPath Prefix(int length) => length == Segments.Length ? this : new AccessPath(Segments.RemoveRange(length, Segments.Length - length));

    private AccessPath? Append(object segment) =>
        Segments.Length >= MaxLength ? null : new AccessPath(Segments.Add(segment));

    /// <summary>True if this path is <paramref name="other"/> or lies inside it (<c>conn.Buffer</c> is inside <c>conn</c>).</summary>
    public bool IsWithin(AccessPath other)
    {
        if (other.Segments.Length > Segments.Length)
        {
            return false;
        }

        for (var i = 0; i < other.Segments.Length; i++)
        {
            if (!SegmentEquals(Segments[i], other.Segments[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether both may name the same location: equal, or equal but for an element whose index is unknown in either.</summary>
    public bool MayEqual(AccessPath other)
    {
        if (other.Segments.Length != Segments.Length)
        {
            return false;
        }

        for (var i = 0; i < Segments.Length; i++)
        {
            if (!SegmentEquals(Segments[i], other.Segments[i])
                && !(Segments[i] is Element mine && other.Segments[i] is Element theirs && (mine.Index == null || theirs.Index == null)))
            {
                return false;
            }
        }

        return true;
    }

    public bool Equals(AccessPath? other)
    {
        if (other is null || other._hash != _hash || other.Segments.Length != Segments.Length)
        {
            return false;
        }

        for (var i = 0; i < Segments.Length; i++)
        {
            if (!SegmentEquals(Segments[i], other.Segments[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is AccessPath other && Equals(other);

    public override int GetHashCode() => _hash;

    public override string ToString()
    {
        var text = new System.Text.StringBuilder();
        foreach (var segment in Segments)
        {
            if (segment is Element element)
            {
                text.Append('[').Append(element.Text).Append(']');
            }
            else
            {
                if (text.Length > 0)
                {
                    text.Append('.');
                }

                text.Append(((ISymbol)segment).Name);
            }
        }

        return text.ToString();
    }

    private static bool SegmentEquals(object a, object b) =>
        a is ISymbol symbol ? b is ISymbol other && SymbolEqualityComparer.Default.Equals(symbol, other) : a.Equals(b);

    /// <summary>An array element; every unknown index is one location, its text kept for messages.</summary>
    internal sealed class Element : IEquatable<Element>
    {
        public Element(int? index, string text)
        {
            Index = index;
            Text = text;
        }

        public int? Index { get; }

        public string Text { get; }

        public bool Equals(Element? other) => other != null && other.Index == Index;

        public override bool Equals(object? obj) => Equals(obj as Element);

        public override int GetHashCode() => Index ?? -1;
    }
}
