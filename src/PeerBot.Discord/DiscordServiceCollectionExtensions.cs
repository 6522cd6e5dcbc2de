using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;
using PeerBot.Discord.Gateway;
using PeerBot.Discord.Interactions;
using PeerBot.Discord.Rest;

namespace PeerBot.Discord;

/// <summary>Registration of the Discord adapter.</summary>
public static class DiscordServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Discord adapter: <see cref="IChatPlatform"/> (Discord) and the hosted service that keeps the
    /// gateway connected. Reads <c>IOptions&lt;PeerBotOptions&gt;</c> (section <c>PeerBot:Discord</c>); needs an
    /// <see cref="IPlatformEventHandler"/> registered by Core. Call it only when the Discord token is set.
    /// </summary>
    public static IServiceCollection AddDiscord(this IServiceCollection services, Action<DiscordAdapterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<DiscordAdapterOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IGatewayTransportFactory, ClientWebSocketTransportFactory>();

        // A host with a database registers its own, so direct-message channels are remembered across restarts.
        services.TryAddSingleton<IDirectChannelStore, InMemoryDirectChannelStore>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<DiscordAdapterOptions>>().Value);
        services.AddSingleton(sp => new DiscordSession(sp.GetRequiredService<IOptions<PeerBotOptions>>().Value.Discord));
        services.AddSingleton(sp =>
        {
            var discord = sp.GetRequiredService<IOptions<PeerBotOptions>>().Value.Discord;
            var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            {
                // Each request has its own timeout (DiscordAdapterOptions.RequestTimeout) on the injected clock.
                Timeout = Timeout.InfiniteTimeSpan,
            };
            return new DiscordRestClient(
                http,
                discord.ApiBaseUrl,
                discord.Token.Trim(),
                sp.GetRequiredService<DiscordAdapterOptions>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<DiscordRestClient>>());
        });
        services.AddSingleton<DiscordChatPlatform>();
        services.AddSingleton<IChatPlatform>(sp => sp.GetRequiredService<DiscordChatPlatform>());
        services.AddSingleton<InteractionResponder>();
        services.AddSingleton<DiscordEventRouter>();
        services.AddSingleton<DiscordFatalError>();
        services.AddSingleton(sp =>
        {
            var rest = sp.GetRequiredService<DiscordRestClient>();
            return new GatewayClient(
                ct => DiscordHostedService.GetGatewayBotAsync(rest, ct),
                sp.GetRequiredService<IOptions<PeerBotOptions>>().Value.Discord.Token.Trim(),
                sp.GetRequiredService<IGatewayTransportFactory>(),
                sp.GetRequiredService<DiscordEventRouter>(),
                sp.GetRequiredService<DiscordAdapterOptions>(),
                sp.GetRequiredService<TimeProvider>(),
                Random.Shared,
                sp.GetRequiredService<ILogger<GatewayClient>>());
        });
        services.AddSingleton<DiscordHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<DiscordHostedService>());
        return services;
    }
}
