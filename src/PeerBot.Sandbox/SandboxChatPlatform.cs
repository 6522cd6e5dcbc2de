using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Sandbox.Workspace;

namespace PeerBot.Sandbox;

/// <summary>
/// The sandbox adapter of the <see cref="IChatPlatform"/> port: Core's calls land in the local workspace,
/// where the page shows them. A person's sandbox user id is their config id.
/// </summary>
public sealed class SandboxChatPlatform : IChatPlatform, ISentMessageFinder
{
    private readonly SandboxWorkspace _workspace;
    private readonly IReadOnlyList<PersonOptions> _people;

    /// <summary>Creates the adapter and records every configured person's sandbox user id in the directory.</summary>
    public SandboxChatPlatform(SandboxWorkspace workspace, IOptions<PeerBotOptions> options, PeopleDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(directory);
        _workspace = workspace;
        _people = options.Value.People;

        // Nothing needs resolving in the sandbox: everyone is known by their config id from the start.
        foreach (var person in directory.All)
        {
            directory.SetPlatformUserId(person.Id, PlatformKind.Sandbox, person.Id);
        }
    }

    /// <inheritdoc />
    public PlatformKind Kind => PlatformKind.Sandbox;

    /// <inheritdoc />
    public Task<ChannelRef> EnsurePrivateChannelAsync(PrivateChannelSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var channel = _workspace.EnsurePrivate(spec.GroupId, spec.Name, spec.Topic, spec.UserIds, spec.Existing?.Id);
        return Task.FromResult(Ref(channel.Id));
    }

    /// <inheritdoc />
    public Task AddMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken)
    {
        _workspace.AddMember(Own(channel), userId);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RemoveMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken)
    {
        _workspace.RemoveMember(Own(channel), userId);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ArchiveChannelAsync(ChannelRef channel, CancellationToken cancellationToken)
    {
        _workspace.Archive(Own(channel));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<MessageRef> PostMessageAsync(ChannelRef channel, OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var posted = _workspace.Post(Own(channel), null, SandboxContent.From(message), Marker(message));
        return Task.FromResult(new MessageRef(channel, posted.Id));
    }

    /// <inheritdoc />
    public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!IsKnownUser(userId))
        {
            throw new PlatformException(PlatformErrorKind.CannotMessageUser, $"Nobody in the sandbox has the user id {userId}.");
        }

        var posted = _workspace.PostDirect(userId, SandboxContent.From(message), Marker(message));
        return Task.FromResult(new MessageRef(Ref(posted.ChannelId), posted.Id));
    }

    /// <inheritdoc />
    public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, IReadOnlyList<MessageImage> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(images);
        if (!IsKnownUser(userId))
        {
            throw new PlatformException(PlatformErrorKind.CannotMessageUser, $"Nobody in the sandbox has the user id {userId}.");
        }

        var posted = _workspace.PostDirect(userId, SandboxContent.From(message, images), Marker(message));
        return Task.FromResult(new MessageRef(Ref(posted.ChannelId), posted.Id));
    }

    /// <inheritdoc />
    public Task DeleteMessageAsync(MessageRef message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        _workspace.Delete(Own(message.Channel), message.Id);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task UpdateMessageAsync(MessageRef message, OutgoingMessage content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(content);
        _workspace.Update(Own(message.Channel), message.Id, SandboxContent.From(content));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>Accepts a person's config id, display name, or the Discord or Slack handle the config gives them.</remarks>
    public Task<string?> ResolveUserAsync(string nameOrId, CancellationToken cancellationToken)
    {
        var match = _people.FirstOrDefault(p =>
            string.Equals(p.Id, nameOrId, StringComparison.OrdinalIgnoreCase)
            || string.Equals(p.Name, nameOrId, StringComparison.OrdinalIgnoreCase)
            || string.Equals(p.Discord, nameOrId, StringComparison.OrdinalIgnoreCase)
            || string.Equals(p.Slack, nameOrId, StringComparison.OrdinalIgnoreCase));
        return Task.FromResult(match?.Id);
    }

    /// <inheritdoc />
    public Task<MessageRef?> FindSentAsync(SentMessageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var channelId = query.Channel is { } channel ? Own(channel) : SandboxWorkspace.DirectChannelId(query.DirectUserId!);
        return Task.FromResult(_workspace.FindByMarker(channelId, query.Marker) is { } id ? new MessageRef(Ref(channelId), id) : null);
    }

    /// <summary>The mark of a message's idempotency key, kept with it as Slack keeps message metadata.</summary>
    private static string? Marker(OutgoingMessage message) =>
        message.IdempotencyKey is { } key ? SendMarker.Of(PlatformKind.Sandbox, key) : null;

    private static ChannelRef Ref(string channelId) => new(PlatformKind.Sandbox, channelId);

    private static string Own(ChannelRef channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.Platform == PlatformKind.Sandbox
            ? channel.Id
            : throw new PlatformException(PlatformErrorKind.NotFound, $"Channel {channel.Id} belongs to {channel.Platform}, not the sandbox.");
    }

    private bool IsKnownUser(string userId) => _people.Any(p => string.Equals(p.Id, userId, StringComparison.Ordinal));
}
