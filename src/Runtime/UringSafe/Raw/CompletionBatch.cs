using UringSafe.Abi;

namespace UringSafe.Raw;

/// <summary>
/// The completions that were ready when <see cref="Ring.Completions"/> was called. Iterate it with <c>foreach</c>;
/// disposing the enumerator (which <c>foreach</c> does) consumes exactly the entries visited, with one head update.
/// </summary>
public readonly ref struct CompletionBatch
{
    private readonly Ring _ring;
    private readonly uint _head;
    private readonly uint _tail;

    internal CompletionBatch(Ring ring, uint head, uint tail)
    {
        _ring = ring;
        _head = head;
        _tail = tail;
    }

    /// <summary>Number of completions in the batch.</summary>
    public int Count => (int)(_tail - _head);

    /// <summary>Returns the enumerator.</summary>
    public Enumerator GetEnumerator() => new(_ring, _head, _tail);

    /// <summary>Walks the batch by reference and advances the CQ head on <see cref="Dispose"/>.</summary>
    public unsafe ref struct Enumerator
    {
        private readonly Ring _ring;
        // The ring's geometry, copied so the loop touches only locals (the JIT keeps them in registers).
        private readonly byte* _cqes;
        private readonly uint _mask;
        private readonly int _shift;
        private readonly uint _tail;
        private uint _next;

        internal Enumerator(Ring ring, uint head, uint tail)
        {
            _ring = ring;
            _cqes = ring.CqeBase;
            _mask = ring.CqMask;
            _shift = ring.CqeShift;
            _tail = tail;
            _next = head;
        }

        /// <summary>The current completion.</summary>
        public readonly ref readonly Cqe Current => ref *(Cqe*)(_cqes + ((nuint)((_next - 1) & _mask) << _shift));

        /// <summary>Moves to the next completion.</summary>
        public bool MoveNext()
        {
            if (_next == _tail)
                return false;
            _next++;
            return true;
        }

        /// <summary>Consumes every completion visited so far.</summary>
        public readonly void Dispose() => _ring?.SetCqHead(_next);
    }
}
