using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace UringSafe.Analyzers
{
    /// <summary>
    /// A tracked storage location: a local, a parameter, a field of <c>this</c> (or a static field),
    /// optionally followed by fields or properties, such as <c>conn.Buffer</c>.
    /// </summary>
    internal sealed class AccessPath : IEquatable<AccessPath>
    {
        public const int MaxLength = 4;

        private readonly int _hash;

        public AccessPath(ImmutableArray<ISymbol> symbols)
        {
            Symbols = symbols;
            var hash = 17;
            foreach (var symbol in symbols)
            {
                hash = unchecked((hash * 31) + SymbolEqualityComparer.Default.GetHashCode(symbol));
            }

            _hash = hash;
        }

        public ImmutableArray<ISymbol> Symbols { get; }

        public ISymbol Root => Symbols[0];

        public static AccessPath Of(ISymbol symbol) => new AccessPath(ImmutableArray.Create(symbol));

        public AccessPath? Append(ISymbol member) =>
            Symbols.Length >= MaxLength ? null : new AccessPath(Symbols.Add(member));

        /// <summary>True if this path is <paramref name="other"/> or lies inside it (<c>conn.Buffer</c> is inside <c>conn</c>).</summary>
        public bool IsWithin(AccessPath other)
        {
            if (other.Symbols.Length > Symbols.Length)
            {
                return false;
            }

            for (var i = 0; i < other.Symbols.Length; i++)
            {
                if (!SymbolEqualityComparer.Default.Equals(Symbols[i], other.Symbols[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public bool Equals(AccessPath? other)
        {
            if (other is null || other._hash != _hash || other.Symbols.Length != Symbols.Length)
            {
                return false;
            }

            for (var i = 0; i < Symbols.Length; i++)
            {
                if (!SymbolEqualityComparer.Default.Equals(Symbols[i], other.Symbols[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is AccessPath other && Equals(other);

        public override int GetHashCode() => _hash;

        public override string ToString() => string.Join(".", Symbols.Select(s => s.Name));
    }
}
