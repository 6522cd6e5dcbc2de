using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;
using PeerBot.Slack.Api;
using PeerBot.Slack.Inbound;
using PeerBot.Slack.SocketMode;

namespace PeerBot.Slack;

/// <summary>Registration of the Slack adapter.</summary>
public static class SlackServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Slack adapter: <see cref="IChatPlatform"/> (Slack), its hosted service and what they need.
    /// Expects <see cref="PeerBotOptions"/> to be bound, an <see cref="IPlatformEventHandler"/> to be registered
    /// by Core, and <see cref="TimeProvider"/> (registered here as <see cref="TimeProvider.System"/> if missing).
    /// Call it only when <see cref="SlackOptions.Enabled"/>; tokens are validated at start.
    /// </summary>
    public static IServiceCollection AddSlack(this IServiceCollection services, Action<SlackAdapterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var adapterOptions = services.AddOptions<SlackAdapterOptions>();
        if (configure is not null)
        {
            adapterOptions.Configure(configure);
        }

        services.AddOptions<PeerBotOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PeerBotOptions>, SlackOptionsValidator>());
        // The default HttpClient logs would write request URLs: response URLs are credentials, lookups carry emails.
        services.AddHttpClient(SlackApiClient.HttpClientName).RemoveAllLoggers();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ExitCodeSink>();
        services.TryAddSingleton<ISlackSocketFactory, ClientWebSocketSlackSocketFactory>();
        services.AddSingleton<SlackTimers>();
        services.AddSingleton<SlackRateLimiter>();
        services.AddSingleton<SlackApiClient>();
        services.AddSingleton<SlackBotIdentity>();
        services.AddSingleton<SlackStaffNotices>();
        services.AddSingleton<SlackChatPlatform>();
        services.AddSingleton<IChatPlatform>(sp => sp.GetRequiredService<SlackChatPlatform>());
        services.AddSingleton<SlackPeopleResolver>(sp => new SlackPeopleResolver(
            sp.GetRequiredService<IOptions<PeerBotOptions>>(),
            sp.GetRequiredService<SlackChatPlatform>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<SlackPeopleResolver>>(),
            sp.GetService<Core.People.IPeopleDirectory>()));
        services.AddSingleton<SlackInteractions>();
        services.AddSingleton<SlackEventDispatcher>();
        services.AddSingleton<ISocketModeEnvelopeHandler>(sp => sp.GetRequiredService<SlackEventDispatcher>());
        services.AddSingleton<SocketModeClient>();
        services.AddSingleton<SlackHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<SlackHostedService>());
        return services;
    }
}

/// <summary>Checks the Slack settings when the adapter is registered: both tokens present and of the right kind.</summary>
internal sealed class SlackOptionsValidator : IValidateOptions<PeerBotOptions>
{
    public ValidateOptionsResult Validate(string? name, PeerBotOptions options)
    {
        var slack = options.Slack;
        var failures = new List<string>();
        if (!slack.BotToken.StartsWith("xoxb-", StringComparison.Ordinal))
        {
            failures.Add("PeerBot:Slack:BotToken must be the Bot User OAuth Token, starting with xoxb- (OAuth & Permissions at api.slack.com/apps).");
        }

        if (!slack.AppToken.StartsWith("xapp-", StringComparison.Ordinal))
        {
            failures.Add("PeerBot:Slack:AppToken must be an app-level token with connections:write, starting with xapp- (Basic Information > App-Level Tokens).");
        }

        if (!Uri.TryCreate(slack.ApiBaseUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add("PeerBot:Slack:ApiBaseUrl must be an absolute http(s) URL such as https://slack.com/api/.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
