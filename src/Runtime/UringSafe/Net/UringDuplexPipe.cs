using System.Buffers;
using System.IO.Pipelines;

namespace UringSafe.Net;

/// <summary>
/// An <see cref="IDuplexPipe"/> over a connected <see cref="UringSocketStream"/>: a reader loop receives straight into
/// the input pipe's memory (no copy) and a writer loop sends straight from the output pipe's segments (no copy).
/// When the application completes <see cref="Output"/>, the send side is shut down (FIN). Create and use it on the
/// reactor thread; <see cref="DisposeAsync"/> stops both loops and closes the socket.
/// </summary>
public sealed class UringDuplexPipe : IDuplexPipe, IAsyncDisposable
{
    private readonly UringSocketStream _socket;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _stop = new();
    private readonly int _minimumReceive;
    private bool _disposed;

    /// <summary>Starts the loops over <paramref name="socket"/> (owned: closed on dispose).</summary>
    public UringDuplexPipe(UringSocketStream socket, int minimumReceive = 4096, PipeOptions? inputOptions = null, PipeOptions? outputOptions = null)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _socket = socket;
        _minimumReceive = minimumReceive;
        // Inline schedulers: both ends run on the reactor thread; awaiting callers resume through its context.
        _input = new Pipe(inputOptions ?? new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline));
        _output = new Pipe(outputOptions ?? new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline));
        Receiving = ReceiveLoop();
        Sending = SendLoop();
    }

    /// <summary>What the peer sent.</summary>
    public PipeReader Input => _input.Reader;

    /// <summary>What to send to the peer; complete it to shut down the send side.</summary>
    public PipeWriter Output => _output.Writer;

    /// <summary>The receive loop (completes at end of stream or on error).</summary>
    public Task Receiving { get; }

    /// <summary>The send loop (completes when <see cref="Output"/> is completed and drained, or on error).</summary>
    public Task Sending { get; }

    private async Task ReceiveLoop()
    {
        PipeWriter writer = _input.Writer;
        Exception? error = null;
        Memory<byte> memory = default;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                memory = writer.GetMemory(_minimumReceive);
                int n;
                (n, memory) = await _socket.ReadAsync(memory, _stop.Token);
                if (n == 0)
                    break;
                writer.Advance(n);
                FlushResult flush = await writer.FlushAsync();
                if (flush.IsCompleted || flush.IsCanceled)
                    break;
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            error = e;
        }
        // A failed or cancelled read throws only after its final completion: the kernel is done with the memory.
        memory = default;
        await writer.CompleteAsync(error);
    }

    private async Task SendLoop()
    {
        PipeReader reader = _output.Reader;
        Exception? error = null;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync(_stop.Token);
                ReadOnlySequence<byte> buffer = result.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    ReadOnlyMemory<byte> pending = segment;
                    if (!pending.IsEmpty)
                        (_, pending) = await _socket.WriteAllAsync(pending, _stop.Token);
                }
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                    break;
            }
            if (!_stop.IsCancellationRequested && _socket.Fd >= 0)
                await _socket.ShutdownAsync(System.Net.Sockets.SocketShutdown.Send);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            error = e;
        }
        await reader.CompleteAsync(error);
    }

    /// <summary>Stops both loops (cancelling their in-flight operations), waits for them, and closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await _output.Writer.CompleteAsync();
        try
        {
            await Sending; // let queued output drain first
        }
        catch (Exception)
        {
        }
        _stop.Cancel();
        try
        {
            await Receiving;
        }
        catch (Exception)
        {
        }
        await _input.Reader.CompleteAsync();
        await _socket.CloseAsync();
        _stop.Dispose();
    }
}
