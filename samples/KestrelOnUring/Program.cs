// Kestrel on UringSafe: a minimal API app whose connections are served by io_uring reactors (thread per core).
// usage: KestrelOnUring [url=http://127.0.0.1:5080] [--reactors N] [--inline] [--no-pin] [--sockets] [--tls]
// Same app as the peers' stock Kestrel Plaintext (plus /json), plus one line: builder.WebHost.UseUringSafe(...).
// --sockets leaves that line out: stock Kestrel serving the same app, the bench's baseline for /json and TLS.
// --tls serves an https:// url with a self-signed certificate made at startup (HTTP/1.1 and HTTP/2 by ALPN): no key
// file exists anywhere.
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization;

string url = "http://127.0.0.1:5080";
int reactors = Environment.ProcessorCount;
bool inline = false;
bool pin = true;
bool sockets = false;
bool tls = false;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--reactors" && i + 1 < args.Length)
        reactors = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else if (args[i] == "--inline")
        inline = true; // UnsafePreferInlineScheduling: requests run on the reactor threads
    else if (args[i] == "--no-pin")
        pin = false; // reactors (and the thread-pool workers they start) not pinned to CPUs
    else if (args[i] == "--sockets")
        sockets = true;
    else if (args[i] == "--tls")
        tls = true;
    else
        url = args[i];
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
if (!sockets)
{
    builder.WebHost.UseUringSafe(options =>
    {
        options.ReactorCount = reactors;
        options.UnsafePreferInlineScheduling = inline;
        options.PinToCores = pin;
    });
}
if (tls)
{
    X509Certificate2 certificate = SelfSignedCertificate();
    builder.WebHost.UseKestrelHttpsConfiguration(); // the slim builder leaves https:// urls out unless asked
    builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
}
var app = builder.Build();

// Results.Text, as in the peers' stock Kestrel app, so both send the same response (Content-Length, no chunking).
app.MapGet("/plaintext", () => Results.Text("Hello, World!"));
// TechEmpower's JSON test: a small object serialized per request (source-generated, as a trimmed app would).
app.MapGet("/json", () => Results.Json(new JsonMessage("Hello, World!"), AppJson.Default.JsonMessage));

Console.Error.WriteLine(sockets
    ? $"KestrelOnUring listening on {url} with the stock sockets transport"
    : $"KestrelOnUring listening on {url} with {reactors} io_uring reactor(s)");
app.Run(url);

// ECDSA P-256 for localhost, valid for a day, kept in memory only.
static X509Certificate2 SelfSignedCertificate()
{
    using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
    var names = new SubjectAlternativeNameBuilder();
    names.AddDnsName("localhost");
    names.AddIpAddress(System.Net.IPAddress.Loopback);
    request.CertificateExtensions.Add(names.Build());
    request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server auth
    return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
}

internal sealed record JsonMessage([property: JsonPropertyName("message")] string Message);

[JsonSerializable(typeof(JsonMessage))]
internal sealed partial class AppJson : JsonSerializerContext;
