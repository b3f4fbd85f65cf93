// Kestrel on UringSafe: a minimal API app whose connections are served by io_uring reactors (thread per core).
// usage: KestrelOnUring [url=http://127.0.0.1:5080] [--reactors N] [--inline]
// Same app as the peers' stock Kestrel Plaintext, plus one line: builder.WebHost.UseUringSafe(...).
using System.Globalization;

string url = "http://127.0.0.1:5080";
int reactors = Environment.ProcessorCount;
bool inline = false;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--reactors" && i + 1 < args.Length)
        reactors = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else if (args[i] == "--inline")
        inline = true; // UnsafePreferInlineScheduling: requests run on the reactor threads
    else
        url = args[i];
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseUringSafe(options =>
{
    options.ReactorCount = reactors;
    options.UnsafePreferInlineScheduling = inline;
});
var app = builder.Build();

// Results.Text, as in the peers' stock Kestrel app, so both send the same response (Content-Length, no chunking).
app.MapGet("/plaintext", () => Results.Text("Hello, World!"));

Console.Error.WriteLine($"KestrelOnUring listening on {url} with {reactors} io_uring reactor(s)");
app.Run(url);
