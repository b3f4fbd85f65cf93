// HttpPlaintext: a minimal HTTP/1.1 server directly on UringSafe (TechEmpower-style plaintext).
// usage: HttpPlaintext address port [--threads N] [--no-pin] [--quiet]
using System.Globalization;
using System.Net;
using HttpPlaintext;

if (args.Length < 2 || !IPAddress.TryParse(args[0], out IPAddress? address) || !int.TryParse(args[1], CultureInfo.InvariantCulture, out int port))
{
    Console.Error.WriteLine("usage: HttpPlaintext address port [--threads N] [--no-pin] [--quiet]");
    return 2;
}
int threads = Environment.ProcessorCount;
bool pin = true, quiet = false;
for (int i = 2; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads" when i + 1 < args.Length:
            threads = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--no-pin":
            pin = false;
            break;
        case "--quiet":
            quiet = true;
            break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}

using PlaintextServer server = PlaintextServer.Start(new IPEndPoint(address, port), threads, pin);
if (!quiet)
    Console.Error.WriteLine($"HttpPlaintext listening on http://{server.EndPoint} with {threads} reactor thread(s); GET /plaintext");
using var stop = new ManualResetEventSlim();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Set();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Set();
stop.Wait();
return 0;
