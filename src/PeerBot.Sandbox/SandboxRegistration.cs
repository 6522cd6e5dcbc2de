using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Sandbox.Web;
using PeerBot.Sandbox.Workspace;
using PeerBot.Storage;

namespace PeerBot.Sandbox;

/// <summary>Registration of the sandbox: the platform, its clock, its database and its web page.</summary>
public static class SandboxRegistration
{
    /// <summary>
    /// Switches a host to sandbox mode: the demo roster when the configuration names nobody, then
    /// <see cref="AddSandbox"/>. Call it after the configuration sources are added.
    /// </summary>
    /// <param name="builder">The host being composed.</param>
    /// <param name="explicitly">
    /// True for the <c>sandbox</c> verb: Discord and Slack tokens are blanked for this run, so every feature sees
    /// no real platform (groups resolve to the sandbox) and nothing connects to Discord or Slack.
    /// </param>
    public static IHostApplicationBuilder UseSandbox(this IHostApplicationBuilder builder, bool explicitly = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (explicitly)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["PeerBot:Discord:Token"] = "",
                ["PeerBot:Slack:BotToken"] = "",
                ["PeerBot:Slack:AppToken"] = "",
            });
        }

        // The anonymity key stays beside the sandbox's database unless the user named one: demo handles are
        // never made with a real program's key.
        if (string.IsNullOrWhiteSpace(builder.Configuration["PeerBot:Anonymity:KeyPath"]))
        {
            var storage = builder.Configuration["PeerBot:Sandbox:StoragePath"] is { Length: > 0 } configured ? configured : new SandboxOptions().StoragePath;
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["PeerBot:Anonymity:KeyPath"] = Path.Combine(Path.GetDirectoryName(storage) ?? "", "sandbox-anonymity.key"),
            });
        }

        SandboxDemoRoster.AddIfNoPeople(builder.Configuration);
        builder.Services.AddSandbox();
        return builder;
    }

    /// <summary>
    /// Registers the sandbox <see cref="IChatPlatform"/>; <see cref="SandboxClock"/> as the instance's
    /// <see cref="TimeProvider"/>; the instance's <see cref="PeerBotDatabase"/> at <c>Sandbox:StoragePath</c>
    /// (replacing <c>Storage:Path</c>, so demo data never mixes with a real program's); and the web page as a
    /// hosted service. Needs <see cref="IPlatformEventHandler"/> and the options from Core's registration.
    /// </summary>
    public static IServiceCollection AddSandbox(this IServiceCollection services)
    {
        services.RemoveAll<TimeProvider>();
        // The clock stands on the system clock; it must not ask the container for TimeProvider, which is itself.
        // Its offset is kept in the sandbox's database with the messages it dated, and restored before anything reads it.
        services.TryAddSingleton(sp =>
        {
            var store = sp.GetRequiredService<SandboxStore>();
            return new SandboxClock(TimeProvider.System, store.ClockOffset(), store.SaveClockOffset);
        });
        services.AddSingleton<TimeProvider>(sp => sp.GetRequiredService<SandboxClock>());

        services.RemoveAll<PeerBotDatabase>();
        services.AddSingleton(sp => PeerBotDatabase.OpenFile(sp.GetRequiredService<IOptions<PeerBotOptions>>().Value.Sandbox.StoragePath));

        services.TryAddSingleton<SandboxStore>();
        services.TryAddSingleton<SandboxEventHub>();
        services.TryAddSingleton<SandboxWorkspace>();
        services.TryAddSingleton<SandboxChatPlatform>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatPlatform, SandboxChatPlatform>(sp => sp.GetRequiredService<SandboxChatPlatform>()));

        services.TryAddSingleton(_ => new SandboxConsole());
        services.TryAddSingleton<SandboxWebHost>();
        services.AddHostedService(sp => sp.GetRequiredService<SandboxWebHost>());
        return services;
    }
}
