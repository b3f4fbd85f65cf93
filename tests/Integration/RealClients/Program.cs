// The app that tests/Integration/realclients.sh drives with real clients (curl, wrk, h2load), and the few clients
// that have no command-line tool here (pipelining, slowloris, a connection flood, WebSocket echo).
//   RealClients server --transport uringsafe|sockets --port P [--reactors N] [--pin|--no-pin]   HTTP/1.1 on 127.0.0.1:P and [::1]:P,
//                                                                                h2c (HTTP/2 only) on 127.0.0.1:P+1
//   RealClients client pipeline|ws|slowloris|flood ...                          see Clients.cs
using System.Globalization;
using RealClients;

if (args.Length > 0 && args[0] == "client")
    return await ClientChecks.RunAsync(args[1..]);
if (args.Length == 0 || args[0] != "server")
{
    Console.Error.WriteLine("usage: RealClients server --transport uringsafe|sockets --port P [--reactors N] | client MODE ...");
    return 2;
}

string transport = "uringsafe";
int port = 25080;
int? reactors = null;
bool? pin = null;
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--transport" when i + 1 < args.Length: transport = args[++i]; break;
        case "--port" when i + 1 < args.Length: port = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--reactors" when i + 1 < args.Length: reactors = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--no-pin": pin = false; break;
        case "--pin": pin = true; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
if (transport is not ("uringsafe" or "sockets"))
{
    Console.Error.WriteLine("--transport is uringsafe or sockets");
    return 2;
}

WebApplication app = ServerApp.Build(transport == "uringsafe", port, reactors, pin);
Console.Error.WriteLine($"RealClients listening on 127.0.0.1:{port}, [::1]:{port} and h2c 127.0.0.1:{port + 1} ({transport})");
await app.RunAsync();
return 0;
