using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace UringSafe.AspNetCore.Tests.HttpClientTests;

/// <summary>
/// The server the HTTP client tests call: a stock Kestrel (sockets transport, so only the client is under test) on
/// 127.0.0.1, port 0, with three endpoints: HTTP/1.1 (<see cref="Http1"/>), h2c, HTTP/2 without TLS
/// (<see cref="H2c"/>), and TLS with HTTP/1.1 and h2 by ALPN (<see cref="Tls"/>) under a self-signed certificate made
/// here (<see cref="Certificate"/>).
/// </summary>
internal sealed class OriginServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OriginServer(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        Certificate = certificate;
    }

    public X509Certificate2 Certificate { get; }

    public Uri Http1 { get; private set; } = null!;

    public Uri H2c { get; private set; } = null!;

    public Uri Tls { get; private set; } = null!;

    /// <summary>What <c>/gate</c> waits for before it answers.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Requests waiting at <c>/gate</c>.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    private int _waiting;

    /// <summary>The bytes <c>/bytes/{size}</c> sends: a pattern that catches reordered, repeated or lost chunks.</summary>
    public static byte Pattern(int i) => (byte)(i * 31 + (i >> 12));

    public static async Task<OriginServer> StartAsync()
    {
        X509Certificate2 certificate = CreateCertificate();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1);
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
            k.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http1AndHttp2;
                o.UseHttps(certificate);
            });
        });
        WebApplication app = builder.Build();
        var server = new OriginServer(app, certificate);
        app.MapGet("/hello", (HttpContext c) => $"Hello over HTTP/{c.Request.Protocol["HTTP/".Length..]}");
        app.MapPost("/echo", async (HttpContext c) =>
        {
            c.Response.ContentType = "application/octet-stream";
            await c.Request.Body.CopyToAsync(c.Response.Body);
        });
        app.MapGet("/bytes/{size:int}", async (HttpContext c, int size) =>
        {
            c.Response.ContentType = "application/octet-stream";
            c.Response.ContentLength = size;
            byte[] piece = new byte[16384];
            for (int sent = 0; sent < size;)
            {
                int n = Math.Min(piece.Length, size - sent);
                for (int i = 0; i < n; i++)
                    piece[i] = Pattern(sent + i);
                await c.Response.Body.WriteAsync(piece.AsMemory(0, n));
                sent += n;
            }
        });
        app.MapGet("/gate", async () =>
        {
            Interlocked.Increment(ref server._waiting);
            await server.Gate.Task;
            return "opened";
        });
        await app.StartAsync();
        var addresses = app.Urls.Select(u => new Uri(u)).ToList();
        // Kestrel lists the endpoints in the order they were configured.
        server.Http1 = addresses[0];
        server.H2c = addresses[1];
        server.Tls = new UriBuilder(addresses[2]) { Host = "localhost" }.Uri;
        return server;
    }

    /// <summary>A self-signed certificate for localhost and 127.0.0.1 (RSA 2048, valid for a day).</summary>
    private static X509Certificate2 CreateCertificate()
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using X509Certificate2 ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12 so the private key is usable by the TLS stack.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }

    public async ValueTask DisposeAsync()
    {
        Gate.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }
}
