using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using UringSafe.AspNetCore;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Kestrel on UringSafe: <c>builder.WebHost.UseUringSafe(options => options.ReactorCount = 2);</c></summary>
public static class WebHostBuilderUringSafeExtensions
{
    /// <summary>
    /// Serves Kestrel's IP endpoints with the UringSafe io_uring transport (thread per core, SO_REUSEPORT). Where
    /// io_uring is unavailable it falls back to the sockets transport and logs one warning saying why.
    /// </summary>
    public static IWebHostBuilder UseUringSafe(this IWebHostBuilder builder, Action<UringSafeTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ConfigureServices(services =>
        {
            services.AddOptions<UringSafeTransportOptions>();
            if (configure is not null)
                services.Configure(configure);
            // Added after Kestrel's default (sockets) registration: Kestrel tries the last-registered factory first.
            services.AddSingleton<IConnectionListenerFactory, UringSafeTransportFactory>();
        });
    }
}
