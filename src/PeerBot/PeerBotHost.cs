using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerBot.Cli;
using PeerBot.Core;
using PeerBot.Core.Configuration;
using PeerBot.Storage;

namespace PeerBot;

/// <summary>Composes the worker host: configuration, logging and every feature's registration.</summary>
internal static class PeerBotHost
{
    /// <summary>Creates the host builder; <paramref name="configure"/> lets tests add configuration or replace services.</summary>
    public static HostApplicationBuilder CreateBuilder(string? configFile, Action<HostApplicationBuilder>? configure = null)
    {
        var environment = ConfigSources.EnvironmentName();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = environment,
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        ConfigSources.Add(builder.Configuration, configFile, environment);

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

        configure?.Invoke(builder);
        return builder;
    }
}
