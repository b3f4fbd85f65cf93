using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UringSafe.AspNetCore;

namespace UringSafe.AspNetCore.Tests;

/// <summary>A real Kestrel on 127.0.0.1 (port 0) with the UringSafe transport and a few endpoints.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(WebApplication app, IReadOnlyList<Uri> addresses)
    {
        App = app;
        Addresses = addresses;
        BaseAddress = addresses[0];
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    /// <summary>Every address the server listens on (the first is <see cref="BaseAddress"/>).</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    public UringSafeTransportFactory Factory => App.Services.GetServices<IConnectionListenerFactory>().OfType<UringSafeTransportFactory>().Single();

    /// <summary>What <c>/block</c> waits for (synchronously, blocking its thread).</summary>
    public ManualResetEventSlim Gate { get; } = new();

    /// <summary>Set once a <c>/block</c> request is waiting on <see cref="Gate"/>.</summary>
    public TaskCompletionSource Blocked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The bytes <c>/big/{size}</c> sends: a pattern that catches reordered, repeated or lost chunks.</summary>
    public static byte Pattern(long i) => (byte)(i * 31 + (i >> 12));

    public static async Task<TestServer> StartAsync(Action<UringSafeTransportOptions>? configure = null, ILoggerProvider? logs = null,
        Action<IServiceCollection>? services = null, Action<WebApplication>? endpoints = null, Action<KestrelServerOptions>? kestrel = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        services?.Invoke(builder.Services);
        builder.WebHost.UseUringSafe(o =>
        {
            o.ReactorCount = 2;
            o.PinToCores = false;
            configure?.Invoke(o);
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (kestrel is not null)
            builder.WebHost.ConfigureKestrel(kestrel); // its Listen calls, if any, replace the address above
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        if (logs is not null)
            builder.Logging.AddProvider(logs);
        WebApplication app = builder.Build();
        app.MapGet("/hello", () => "Hello, World!");
        app.MapGet("/connection", (HttpContext context) => context.Features.Get<IConnectionIdFeature>()?.ConnectionId ?? context.Connection.Id);
        app.MapPost("/echo", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Request.Body.CopyToAsync(context.Response.Body);
        });
        TestServer? self = null;
        // A large response written in 1000-byte pieces with one flush per 64 KiB: the output pipe holds it in many
        // 4 KiB segments, sent as gather lists.
        app.MapGet("/big/{size:long}", async (HttpContext context, long size) =>
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = size;
            byte[] piece = new byte[1000];
            for (long sent = 0; sent < size;)
            {
                int n = (int)Math.Min(piece.Length, size - sent);
                for (int i = 0; i < n; i++)
                    piece[i] = Pattern(sent + i);
                await context.Response.Body.WriteAsync(piece.AsMemory(0, n));
                sent += n;
                if (sent % (64 * 1000) == 0)
                    await context.Response.Body.FlushAsync();
            }
        });
        // Application code that blocks its thread (what inline scheduling on the reactor would not survive).
        app.MapGet("/block", () =>
        {
            self!.Blocked.TrySetResult();
            self.Gate.Wait(TimeSpan.FromSeconds(30));
            return "unblocked";
        });
        endpoints?.Invoke(app);
        await app.StartAsync();
        ICollection<string> addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        self = new TestServer(app, [.. addresses.Select(a => new Uri(a))]);
        return self;
    }

    public HttpClient CreateClient() => new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        BaseAddress = BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public async ValueTask DisposeAsync()
    {
        Gate.Set();
        await App.StopAsync();
        await App.DisposeAsync();
        Gate.Dispose();
    }
}

/// <summary>Captures every log entry (category, level, message).</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => owner.Entries.Enqueue((category, logLevel, formatter(state, exception)));
    }
}
