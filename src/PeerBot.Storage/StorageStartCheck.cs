using Microsoft.Extensions.Hosting;

namespace PeerBot.Storage;

/// <summary>
/// Opens the database when the host starts, before any feature runs: a damaged, unreadable or too-new file stops the
/// start with <see cref="StorageException"/> (a clear message naming the file, which is left as it is), rather than
/// the first feature that happens to need the database failing later, or never.
/// </summary>
/// <remarks>
/// The host resolves every hosted service before it starts the first, so taking the database here opens it before
/// anything connects to a platform.
/// </remarks>
public sealed class StorageStartCheck(PeerBotDatabase database) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolving the database opened and checked it; reading the version proves it answers.
        _ = database.SchemaVersion;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
