using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerBot.Charts;
using PeerBot.Cli;
using PeerBot.Core;
using Microsoft.Extensions.Configuration;
using PeerBot.Core.Commands;
using PeerBot.Core.Configuration;
using PeerBot.Core.Digest;
using PeerBot.Core.Groups;
using PeerBot.Core.Prompts;
using PeerBot.Core.Safety;
using PeerBot.Embeddings;
using PeerBot.Core.Sharing;
using PeerBot.Discord;
using PeerBot.Sandbox;
using PeerBot.Slack;
using PeerBot.Storage;

namespace PeerBot;

/// <summary>When the host runs the local sandbox.</summary>
internal enum SandboxMode
{
    /// <summary>When no platform is configured.</summary>
    IfNoPlatform,

    /// <summary>Always, ignoring any platform tokens (the <c>sandbox</c> verb).</summary>
    Always,
}

/// <summary>Composes the worker host: configuration, logging and every feature's registration.</summary>
internal static class PeerBotHost
{
    /// <summary>
    /// Creates the host builder. <paramref name="configureConfiguration"/> lets tests add configuration before the
    /// platforms are chosen; <paramref name="configure"/> lets them replace services afterwards.
    /// </summary>
    /// <param name="configFile">The <c>--config</c> file, if any.</param>
    /// <param name="configureConfiguration">Adds configuration (tests).</param>
    /// <param name="configure">Replaces services (tests).</param>
    /// <param name="sandbox">
    /// Run the local sandbox: <see cref="SandboxMode.IfNoPlatform"/> when no platform is configured (the default of
    /// <c>run</c>), <see cref="SandboxMode.Always"/> for the <c>sandbox</c> verb (nothing connects to Discord or Slack).
    /// </param>
    public static HostApplicationBuilder CreateBuilder(
        string? configFile,
        Action<IConfigurationBuilder>? configureConfiguration = null,
        Action<HostApplicationBuilder>? configure = null,
        SandboxMode sandbox = SandboxMode.IfNoPlatform)
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

        builder.Services.AddPeerBotCore(builder.Configuration);
        builder.Services.AddLiteDbStorage();

        // Bound as the options are: a value that cannot be read is left at its default here and fails validation at start.
        var options = ConfigurationBinding.Bind<PeerBotOptions>(builder.Configuration.GetSection(PeerBotOptions.SectionName)).Value;

        // Platforms first: their hosted services check tokens and resolve people before reconciliation and
        // the schedulers start (hosted services start in registration order). Slack does it in StartAsync;
        // Discord does it in the background (it retries while Discord is unreachable) and, until it is done,
        // reconciliation leaves Discord's groups alone (PeopleDirectory.ExpectResolution).
        if (sandbox == SandboxMode.Always || options.UsesSandbox())
        {
            // The sandbox brings its own configuration (the demo roster when there are no people), its own
            // database file and its own clock.
            builder.UseSandbox(explicitly: sandbox == SandboxMode.Always);
        }
        else
        {
            if (options.Discord.Enabled)
            {
                builder.Services.AddDiscord();
            }

            if (options.Slack.Enabled)
            {
                builder.Services.AddSlack();
            }
        }

        if (options.Safety.Engine == SafetyEngine.Semantic)
        {
            builder.Services.AddSemanticSafety();
        }

        builder.Services
            .AddSafety()
            .AddGroups()
            .AddPrompts()
            .AddSharing()
            .AddCommands()
            .AddDigest()
            .AddDigestCharts();

        // Last, so it runs after every feature has started; it never delays readiness.
        builder.Services.AddSingleton<StartupWarmUp>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StartupWarmUp>());

        configure?.Invoke(builder);
        return builder;
    }
}
