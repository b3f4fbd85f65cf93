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

    /// <summary>What the kernel says of each socket in <paramref name="inodes"/> (protocol, addresses and TCP state from
    /// /proc/net), so that a leak check names the socket that leaked.</summary>
    public static string DescribeSockets(IEnumerable<string> inodes)
    {
        var wanted = inodes.ToHashSet();
        var found = new List<string>();
        foreach (string table in new[] { "tcp", "tcp6", "udp", "udp6", "unix" })
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines("/proc/net/" + table);
            }
            catch (IOException)
            {
                continue;
            }
            int inodeColumn = table == "unix" ? 6 : 9;
            foreach (string line in lines.Skip(1))
            {
                string[] cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (cols.Length > inodeColumn && wanted.Remove(cols[inodeColumn]))
                    found.Add(table == "unix"
                        ? $"unix inode {cols[inodeColumn]} {(cols.Length > 7 ? cols[7] : "(unnamed)")}"
                        : $"{table} inode {cols[inodeColumn]} local {Endpoint(cols[1])} remote {Endpoint(cols[2])} state {TcpState(cols[3])}");
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
