namespace UringSafe.Async;

public sealed partial class UringReactor
{
    private const int FileTableSize = 1024;
    private Stack<int>? _freeFileSlots;

    /// <summary>
    /// Puts <paramref name="fd"/> into this ring's registered file table (a sparse table created on first use) and
    /// returns its index, for IOSQE_FIXED_FILE operations. Only through <see cref="SharedFd.Register"/>: the fd's one
    /// owner empties the slot when it closes the number, so a slot never outlives its fd.
    /// </summary>
    internal int RegisterFile(int fd)
    {
        ThrowIfNotOwner();
        if (_freeFileSlots is null)
        {
            _driver.RegisterFilesSparse(FileTableSize);
            _freeFileSlots = new Stack<int>(FileTableSize);
            for (int i = FileTableSize - 1; i >= 0; i--)
                _freeFileSlots.Push(i);
        }
        if (!_freeFileSlots.TryPop(out int index))
            throw new InvalidOperationException($"The reactor's registered file table is full ({FileTableSize} files). Unregister some first.");
        try
        {
            _driver.UpdateFiles((uint)index, [fd]);
        }
        catch
        {
            _freeFileSlots.Push(index);
            throw;
        }
        return index;
    }

    /// <summary>Empties a registered file slot (the fd itself is not closed).</summary>
    internal void UnregisterFile(int index)
    {
        ThrowIfNotOwner();
        if (_freeFileSlots is null)
            return;
        _driver.UpdateFiles((uint)index, [-1]);
        _freeFileSlots.Push(index);
    }
}
