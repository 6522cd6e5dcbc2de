using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;

namespace PeerBot.Core.Sharing;

/// <summary>Registration of anonymous sharing.</summary>
public static class SharingServiceCollectionExtensions
{
    /// <summary>
    /// Registers anonymous sharing: the service, author handles (the key is loaded, or created on the first run,
    /// when the host starts: a missing or damaged key stops the host with a clear message), the delivery worker
    /// and validation of <see cref="AnonymityOptions"/>. Needs the sharing stores (PeerBot.Storage's
    /// <c>AddSharingStorage</c>), <see cref="PeerBotOptions"/>, the people and group directories, the platform
    /// registry and the safety monitor.
    /// </summary>
    public static IServiceCollection AddSharing(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDelayJitter, RandomDelayJitter>();
        services.TryAddSingleton<IAuthorHandles, AuthorHandles>();
        services.TryAddSingleton<AnonymousSharingService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PeerBotOptions>, AnonymityOptionsValidator>());
        services.AddHostedService<AnonymityKeyCheck>();
        services.AddHostedService<AnonymousDeliveryWorker>();
        return services;
    }
}

/// <summary>Validates <see cref="AnonymityOptions"/> at start.</summary>
public sealed class AnonymityOptionsValidator : IValidateOptions<PeerBotOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PeerBotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var a = options.Anonymity;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(a.KeyPath))
        {
            errors.Add("PeerBot:Anonymity:KeyPath must name a file for the anonymity key.");
        }

        if (a.MinDelay < TimeSpan.Zero)
        {
            errors.Add($"PeerBot:Anonymity:MinDelay must not be negative (it is {a.MinDelay}).");
        }

        if (a.MaxDelay < a.MinDelay)
        {
            errors.Add($"PeerBot:Anonymity:MaxDelay ({a.MaxDelay}) must not be shorter than MinDelay ({a.MinDelay}).");
        }
        else if (a.MaxDelay <= TimeSpan.Zero)
        {
            errors.Add("PeerBot:Anonymity:MaxDelay must be longer than zero: a post that appears the moment it is sent can be traced to its author by its timing.");
        }

        if (a.MaxDelay > TimeSpan.FromDays(1))
        {
            errors.Add($"PeerBot:Anonymity:MaxDelay ({a.MaxDelay}) must be at most one day.");
        }

        if (a.MaxPerDay < 1)
        {
            errors.Add($"PeerBot:Anonymity:MaxPerDay must be at least 1 (it is {a.MaxPerDay}); set Enabled to false to turn sharing off.");
        }

        if (a.MaxLength is < 1 or > 4000)
        {
            errors.Add($"PeerBot:Anonymity:MaxLength must be between 1 and 4000 (it is {a.MaxLength}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// Loads the anonymity key when the host starts, so a missing, damaged or over-shared key stops it at once with a clear
/// message, and warns when the key sits in the database's folder.
/// </summary>
public sealed partial class AnonymityKeyCheck : IHostedService
{
    private readonly IServiceProvider _services;

    /// <summary>Creates the check.</summary>
    public AnonymityKeyCheck(IServiceProvider services) => _services = services;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolving the handles loads the key; AnonymityKeyException carries the explanation.
        _ = _services.GetRequiredService<IAuthorHandles>();
        var options = _services.GetService<IOptions<PeerBotOptions>>()?.Value;
        // The sandbox keeps its own demo key (sandbox-anonymity.key) beside its demo database, on purpose.
        if (options is not null && AnonymityKey.SharesFolderWithDatabase(options.Anonymity.KeyPath, options.Storage.Path)
            && !Path.GetFileName(options.Anonymity.KeyPath).StartsWith("sandbox-", StringComparison.Ordinal))
        {
            var logger = _services.GetService<ILogger<AnonymityKeyCheck>>();
            if (logger is not null)
            {
                LogSharedFolder(logger, Path.GetDirectoryName(Path.GetFullPath(options.Storage.Path)) ?? "");
            }
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The anonymity key and the database are in the same folder ({Folder}): a copy of that folder tells who wrote each anonymous post. Move the key (PeerBot:Anonymity:KeyPath) to a folder of its own, kept out of the database's backups.")]
    private static partial void LogSharedFolder(ILogger logger, string folder);

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
