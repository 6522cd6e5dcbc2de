using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerBot.Cli;
using PeerBot.Core;
using Microsoft.Extensions.Configuration;
using PeerBot.Core.Commands;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.Prompts;
using PeerBot.Core.Safety;
using PeerBot.Core.Sharing;
using PeerBot.Discord;
using PeerBot.Slack;
using PeerBot.Storage;

namespace PeerBot;

/// <summary>Composes the worker host: configuration, logging and every feature's registration.</summary>
internal static class PeerBotHost
{
    /// <summary>
    /// Creates the host builder. <paramref name="configureConfiguration"/> lets tests add configuration before the
    /// platforms are chosen; <paramref name="configure"/> lets them replace services afterwards.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(
        string? configFile,
        Action<IConfigurationBuilder>? configureConfiguration = null,
        Action<HostApplicationBuilder>? configure = null)
    {
        var environment = ConfigSources.EnvironmentName();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = environment,
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        ConfigSources.Add(builder.Configuration, configFile, environment);
        configureConfiguration?.Invoke(builder.Configuration);

        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss ";
            o.UseUtcTimestamp = true;
        });

        // Every registration is checked when the container is built, in every environment.
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions
        {
            ValidateScopes = true,
            ValidateOnBuild = true,
        }));

        var options = new PeerBotOptions();
        builder.Configuration.GetSection(PeerBotOptions.SectionName).Bind(options);

        builder.Services.AddPeerBotCore(builder.Configuration);
        builder.Services.AddLiteDbStorage();

        // Platforms first: their hosted services check tokens and resolve people before reconciliation and
        // the schedulers start (hosted services start in registration order). Slack does it in StartAsync;
        // Discord does it in the background (it retries while Discord is unreachable) and, until it is done,
        // reconciliation leaves Discord's groups alone (PeopleDirectory.ExpectResolution).
        if (options.Discord.Enabled)
        {
            builder.Services.AddDiscord();
        }

        if (options.Slack.Enabled)
        {
            builder.Services.AddSlack();
        }

        builder.Services
            .AddSafety()
            .AddGroups()
            .AddPrompts()
            .AddSharing()
            .AddCommands();

        configure?.Invoke(builder);
        return builder;
    }
}
