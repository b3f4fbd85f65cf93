using System.Runtime.CompilerServices;

namespace UringSafe.Async;

/// <summary>
/// A reactor's pool of one kind of pooled object (a completion source per operation type). Used only on the reactor
/// thread, so it needs no locks, and finding it costs an array load on the reactor rather than a thread-static lookup.
/// </summary>
internal sealed class ReactorPool<T> where T : class
{
    /// <summary>This kind's index in every reactor's pool table.</summary>
    public static readonly int Index = ReactorPools.NextIndex();

    private Entry[] _items = new Entry[16]; // a struct wrapper: no covariant array-store check per push
    private int _count;

    public T? TryPop()
    {
        if (_count == 0)
            return null;
        ref Entry entry = ref _items[--_count];
        T? item = entry.Item;
        entry.Item = null;
        return item;
    }

    public void Push(T item)
    {
        if (_count == _items.Length)
            Array.Resize(ref _items, _items.Length * 2);
        _items[_count++].Item = item;
    }

    private struct Entry
    {
        public T? Item;
    }
}

/// <summary>Hands out the indexes of <see cref="ReactorPool{T}"/> kinds in a reactor's pool table.</summary>
internal static class ReactorPools
{
    private static int s_next = -1;

    public static int NextIndex() => Interlocked.Increment(ref s_next);

    /// <summary>The reactor's pool of <typeparamref name="T"/>, created on first use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReactorPool<T> Get<T>(ref object?[] table) where T : class
    {
        int index = ReactorPool<T>.Index;
        object?[] pools = table;
        if ((uint)index < (uint)pools.Length && pools[index] is { } pool)
            return Unsafe.As<ReactorPool<T>>(pool); // each index belongs to one T
        return Create<T>(ref table, index);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ReactorPool<T> Create<T>(ref object?[] table, int index) where T : class
    {
        if (index >= table.Length)
            Array.Resize(ref table, Math.Max(index + 1, table.Length * 2));
        var pool = new ReactorPool<T>();
        table[index] = pool;
        return pool;
    }
}
