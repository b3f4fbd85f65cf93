using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using UringSafe.Async;

namespace UringSafe.Net.Http;

/// <summary>
/// Opens SocketsHttpHandler's connections on a <see cref="UringExecutor"/>'s reactors: resolves the host, connects
/// (IORING_OP_SOCKET + CONNECT) on the reactor with the fewest open connections, and hands back a stream over it.
/// </summary>
internal sealed class UringHttpConnector(UringExecutor executor)
{
    private readonly int[] _open = new int[executor.Count];
    private int _next;

    /// <summary>Connections open on each reactor (tests and diagnostics).</summary>
    public IReadOnlyList<int> OpenConnections => _open;

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        DnsEndPoint target = context.DnsEndPoint;
        // As SocketsHttpHandler: resolve, then try the addresses in order; the last failure is the one reported.
        IPAddress[] addresses = IPAddress.TryParse(target.Host, out IPAddress? literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(target.Host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
            throw new SocketException((int)SocketError.HostNotFound);
        SocketException? last = null;
        foreach (IPAddress address in addresses)
        {
            try
            {
                return await ConnectAsync(new IPEndPoint(address, target.Port), cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                last = e;
            }
        }
        throw last!;
    }

    private async Task<Stream> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        int index = PickReactor();
        Interlocked.Increment(ref _open[index]);
        try
        {
            UringReactor reactor = executor.Reactors[index];
            UringTcpStream socket = await executor.Spawn(index, async () =>
            {
                UringTcpStream s = await UringTcpStream.ConnectAsync(endPoint, cancellationToken);
                try
                {
                    s.NoDelay = true; // as SocketsHttpHandler sets on its sockets
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
                return s;
            }).ConfigureAwait(false);
            return new ReactorBoundStream(socket, reactor, () => Interlocked.Decrement(ref _open[index]));
        }
        catch
        {
            Interlocked.Decrement(ref _open[index]);
            throw;
        }
    }

    /// <summary>The reactor with the fewest open connections; ties go round-robin, so a burst of connects spreads.</summary>
    private int PickReactor()
    {
        int n = _open.Length;
        int start = (int)((uint)Interlocked.Increment(ref _next) % (uint)n);
        int best = start;
        for (int i = 1; i < n; i++)
        {
            int candidate = (start + i) % n;
            if (Volatile.Read(ref _open[candidate]) < Volatile.Read(ref _open[best]))
                best = candidate;
        }
        return best;
    }
}
