namespace UringSafe.Tests.Support;

/// <summary>The process's open fds by kind, for leak checks (no test framework here: the bench's storms use it too).</summary>
internal static class FdCensus
{
    /// <summary>An assembly or native library the runtime mapped (it loads them lazily, at any moment).</summary>
    public static bool IsMappedLibrary(string target)
        => target.EndsWith(".dll", StringComparison.Ordinal) || target.EndsWith(".so", StringComparison.Ordinal) || target.Contains(".so.", StringComparison.Ordinal);

    /// <summary>Open fds of this process by /proc/self/fd link target, counted.</summary>
    public static Dictionary<string, int> Targets()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var targets = new Dictionary<string, int>();
        foreach (string fd in Directory.GetFiles("/proc/self/fd"))
        {
            string target;
            try
            {
                target = new FileInfo(fd).LinkTarget ?? "?";
            }
            catch (IOException)
            {
                continue; // closed meanwhile (the directory's own fd)
            }
            if (IsMappedLibrary(target))
                continue; // the runtime loads assemblies (2 fds each) and native libraries lazily, at any moment
            if (target.StartsWith("pipe:", StringComparison.Ordinal))
                continue; // CoreCLR gives each thread it starts a pipe of its own: thread-pool threads come and go
            if (target.StartsWith("socket:", StringComparison.Ordinal))
                target = "socket"; // inode numbers differ from run to run: compare kinds
            targets[target] = targets.GetValueOrDefault(target) + 1;
        }
        return targets;
    }

    /// <summary>The inodes of this process's open sockets (to tell, after a count went up, which sockets are new).</summary>
    public static HashSet<string> SocketInodes()
    {
        var inodes = new HashSet<string>();
        foreach (string fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                    inodes.Add(target[8..^1]);
            }
            catch (IOException)
            {
                // closed meanwhile
            }
        }
        return inodes;
    }

    /// <summary>One row of a /proc/net socket table: addresses as the kernel writes them (hex "ADDR:PORT"; null for
    /// unix), the TCP state (hex, "01" ESTABLISHED, "08" CLOSE_WAIT), the inode, and a unix socket's path.</summary>
    public readonly record struct KernelSocket(string Table, string? Local, string? Remote, string? State, string Inode, string? Path)
    {
        /// <summary>The local port, for tcp and udp rows.</summary>
        public int? LocalPort => Local is { } l && l.LastIndexOf(':') is int colon and >= 0 ? Convert.ToInt32(l[(colon + 1)..], 16) : null;

        public override string ToString() => Table == "unix"
            ? $"unix inode {Inode} {Path ?? "(unnamed)"}"
            : $"{Table} inode {Inode} local {Endpoint(Local!)} remote {Endpoint(Remote!)} state {TcpState(State!)}";
    }

    /// <summary>The rows of /proc/net/<paramref name="table"/> ("tcp", "tcp6", "udp", "udp6", "unix"): the one reader
    /// of those tables for the tests; empty when the table cannot be read.</summary>
    public static IEnumerable<KernelSocket> KernelSockets(string table)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/net/" + table);
        }
        catch (IOException)
        {
            yield break;
        }
        foreach (string line in lines.Skip(1))
        {
            string[] cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (table == "unix")
            {
                if (cols.Length > 6)
                    yield return new KernelSocket(table, null, null, null, cols[6], cols.Length > 7 ? cols[7] : null);
            }
            else if (cols.Length > 9)
                yield return new KernelSocket(table, cols[1], cols[2], cols[3], cols[9], null);
        }
    }

    /// <summary>What the kernel says of each socket in <paramref name="inodes"/> (protocol, addresses and TCP state from
    /// /proc/net), so that a leak check names the socket that leaked.</summary>
    public static string DescribeSockets(IEnumerable<string> inodes)
    {
        var wanted = inodes.ToHashSet();
        var found = new List<string>();
        foreach (string table in new[] { "tcp", "tcp6", "udp", "udp6", "unix" })
        {
            foreach (KernelSocket socket in KernelSockets(table))
            {
                if (wanted.Remove(socket.Inode))
                    found.Add(socket.ToString());
            }
        }
        found.AddRange(wanted.Select(i => $"inode {i} (not in /proc/net: another family, e.g. netlink)"));
        return string.Join("; ", found);
    }

    private static string Endpoint(string hex)
    {
        int colon = hex.IndexOf(':');
        return colon < 0 ? hex : $"{hex[..colon]}:{Convert.ToInt32(hex[(colon + 1)..], 16)}";
    }

    private static string TcpState(string hex) => hex switch
    {
        "01" => "ESTABLISHED", "02" => "SYN_SENT", "03" => "SYN_RECV", "04" => "FIN_WAIT1", "05" => "FIN_WAIT2",
        "06" => "TIME_WAIT", "07" => "CLOSE", "08" => "CLOSE_WAIT", "09" => "LAST_ACK", "0A" => "LISTEN", "0B" => "CLOSING",
        _ => hex,
    };
}
