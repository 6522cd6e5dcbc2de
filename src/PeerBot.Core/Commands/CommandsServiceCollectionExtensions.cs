using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PeerBot.Core.Commands.Subcommands;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Commands;

/// <summary>Registration of the <c>/peer</c> command surface.</summary>
public static class CommandsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the authorization check, every subcommand and <see cref="PeerEventHandler"/> as the
    /// <see cref="IPlatformEventHandler"/>. Needs <c>AddSharing()</c>, the audit and stats stores
    /// (PeerBot.Storage's <c>AddCommandStorage</c>), the groups feature (directory, operations, pauses,
    /// <see cref="Groups.ICheckInAnswers"/>) and the safety feature (monitor, alerts, and <see cref="Safety.ISafetyDataEraser"/> for <c>forget-me</c>).
    /// </summary>
    public static IServiceCollection AddCommands(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CommandAuthorizer>();
        services.AddSingleton<IPeerSubcommand, ShareCommand>();
        services.AddSingleton<IPeerSubcommand, PauseCommand>();
        services.AddSingleton<IPeerSubcommand, ResumeCommand>();
        services.AddSingleton<IPeerSubcommand, MyDataCommand>();
        services.AddSingleton<IPeerSubcommand, ForgetMeCommand>();
        services.AddSingleton<IPeerSubcommand, GroupsCommand>();
        services.AddSingleton<IPeerSubcommand, PromptCommand>();
        services.AddSingleton<IPeerSubcommand, ReframeCommand>();
        services.AddSingleton<IPeerSubcommand, CheckInCommand>();
        services.AddSingleton<IPeerSubcommand, FlagsCommand>();
        services.AddSingleton<IPeerSubcommand, AckCommand>();
        services.AddSingleton<IPeerSubcommand, ResolveCommand>();
        services.AddSingleton<IPeerSubcommand, AnonCommand>();
        services.AddSingleton<IPeerSubcommand, StatsCommand>();
        services.TryAddSingleton<IPlatformEventHandler, PeerEventHandler>();
        return services;
    }
}
