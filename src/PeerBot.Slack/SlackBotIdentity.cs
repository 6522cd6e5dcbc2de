namespace PeerBot.Slack;

/// <summary>Who the bot is in the workspace, learned from <c>auth.test</c> at start.</summary>
public sealed class SlackBotIdentity
{
    private volatile string? _userId;
    private volatile string? _botId;
    private volatile string? _teamId;

    /// <summary>The bot's user id (<c>U…</c>), or null before start.</summary>
    public string? UserId => _userId;

    /// <summary>The bot id (<c>B…</c>), or null before start.</summary>
    public string? BotId => _botId;

    /// <summary>The workspace id.</summary>
    public string? TeamId => _teamId;

    internal void Set(string userId, string? botId, string? teamId)
    {
        _userId = userId;
        _botId = botId;
        _teamId = teamId;
    }
}
