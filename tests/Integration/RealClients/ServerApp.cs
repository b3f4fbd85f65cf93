using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace RealClients;

/// <summary>A realistic small ASP.NET Core app: what a production service on <c>UseUringSafe()</c> would serve, with
/// the endpoints the real-client checks need. The same app runs on either transport, so differences are the transport's.</summary>
internal static class ServerApp
{
    /// <summary>The bytes <c>/big/{size}</c> and <c>/chunked/{size}</c> send: a pattern that catches reordered, repeated
    /// or lost chunks.</summary>
    public static byte Pattern(long i) => (byte)(i * 31 + (i >> 12));

    public static WebApplication Build(bool uring, int port, int? reactors, bool? pin)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        if (uring)
        {
            builder.WebHost.UseUringSafe(o =>
            {
                if (reactors is int n)
                    o.ReactorCount = n;
                if (pin is bool p)
                    o.PinToCores = p;
            });
        }
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Slowloris: a client that trickles its headers is dropped after this (Kestrel's default is 30 s).
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(3);
            k.Limits.MaxRequestBodySize = 256L << 20;
            k.Listen(IPAddress.Loopback, port);
            k.Listen(IPAddress.IPv6Loopback, port);
            k.Listen(IPAddress.Loopback, port + 1, l => l.Protocols = HttpProtocols.Http2); // h2c, prior knowledge
        });
        // ASP.NET Core's concurrency limiter: 4 uploads read at a time, the rest wait in its queue with their bodies unread.
        builder.Services.AddRateLimiter(o => o.AddConcurrencyLimiter("uploads", l =>
        {
            l.PermitLimit = 4;
            l.QueueLimit = 10_000;
            l.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
        }));
        WebApplication app = builder.Build();
        app.UseWebSockets();
        app.UseRateLimiter();

        app.MapGet("/plaintext", () => Results.Text("Hello, World!"));
        app.MapGet("/json", () => Results.Json(new JsonMessage("Hello, World!"), AppJson.Default.JsonMessage));
        app.MapGet("/big/{size:long}", (HttpContext context, long size) => WritePatternAsync(context, size, contentLength: true));
        app.MapGet("/chunked/{size:long}", (HttpContext context, long size) => WritePatternAsync(context, size, contentLength: false));
        app.MapGet("/pattern-sha256/{size:long}", (long size) => Results.Text(PatternSha256(size)));
        app.MapPost("/upload", async (HttpContext context) => await context.Response.WriteAsync(await HashBodyAsync(context)));
        // No Content-Length on the response: chunked back whatever came in (chunked or not).
        app.MapPost("/echo", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Request.Body.CopyToAsync(context.Response.Body);
        });
        // A handler that leaves its body unread for a while (a slow consumer), then reads it.
        app.MapPost("/stall", async (HttpContext context, int ms) =>
        {
            await Task.Delay(ms, context.RequestAborted);
            await context.Response.WriteAsync(await HashBodyAsync(context));
        });
        app.MapPost("/limited", async (HttpContext context) => await context.Response.WriteAsync(await HashBodyAsync(context))).RequireRateLimiting("uploads");
        app.Map("/ws", WebSocketEcho.RunAsync);
        return app;
    }

    private static async Task WritePatternAsync(HttpContext context, long size, bool contentLength)
    {
        context.Response.ContentType = "application/octet-stream";
        if (contentLength)
            context.Response.ContentLength = size;
        byte[] piece = new byte[16 * 1024];
        for (long sent = 0; sent < size;)
        {
            int n = (int)Math.Min(piece.Length, size - sent);
            for (int i = 0; i < n; i++)
                piece[i] = Pattern(sent + i);
            await context.Response.Body.WriteAsync(piece.AsMemory(0, n), context.RequestAborted);
            sent += n;
        }
    }

    private static string PatternSha256(long size)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] piece = new byte[16 * 1024];
        for (long done = 0; done < size;)
        {
            int n = (int)Math.Min(piece.Length, size - done);
            for (int i = 0; i < n; i++)
                piece[i] = Pattern(done + i);
            sha.AppendData(piece, 0, n);
            done += n;
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>"SHA-256 length" of the request body, as <c>sha256sum</c> and <c>stat -c %s</c> print them.</summary>
    private static async Task<string> HashBodyAsync(HttpContext context)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            sha.AppendData(chunk, 0, n);
            total += n;
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset()) + " " + total.ToString(CultureInfo.InvariantCulture);
    }
}

internal sealed record JsonMessage([property: JsonPropertyName("message")] string Message);

[JsonSerializable(typeof(JsonMessage))]
internal sealed partial class AppJson : JsonSerializerContext;
