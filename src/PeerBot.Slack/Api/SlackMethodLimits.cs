namespace PeerBot.Slack.Api;

/// <summary>Slack's rate-limit tier of each method PeerBot calls (java-slack-sdk MethodsRateLimits, api.slack.com).</summary>
internal static class SlackMethodLimits
{
    private static readonly Dictionary<string, int> Tiers = new(StringComparer.Ordinal)
    {
        ["apps.connections.open"] = 1,
        ["auth.test"] = 4,
        ["conversations.create"] = 2,
        ["conversations.invite"] = 3,
        ["conversations.kick"] = 3,
        ["conversations.archive"] = 2,
        ["conversations.setTopic"] = 2,
        ["conversations.open"] = 3,
        ["conversations.info"] = 3,
        ["conversations.members"] = 4,
        ["conversations.list"] = 2,
        ["chat.postEphemeral"] = 4,
        ["chat.delete"] = 3,
        ["chat.update"] = 3,
        ["users.info"] = 4,
        ["users.list"] = 2,
        ["users.lookupByEmail"] = 3,
        ["views.open"] = 4,
        ["files.getUploadURLExternal"] = 4,
        ["files.completeUploadExternal"] = 4,
    };

    /// <summary>
    /// The limiter keys a call counts against, each with its calls per minute. <paramref name="scope"/> is what Slack
    /// counts a post against: the channel, or for a DM the person (so a DM counts the same whether it is addressed to
    /// the user id or to the D… id it lands in).
    /// </summary>
    public static IReadOnlyList<(string Key, int PerMinute)> For(string method, string? scope, SlackAdapterOptions options)
    {
        if (method == "chat.postMessage")
        {
            // Slack limits posting per channel (about one a second) and across the workspace (several hundred a minute).
            return
            [
                ($"{method}:{scope}", Math.Max(1, options.PostMessagesPerMinutePerChannel)),
                ($"{method}:workspace", Math.Max(1, options.PostMessagesPerMinutePerWorkspace)),
            ];
        }

        var tier = Tiers.GetValueOrDefault(method, 3);
        var perMinute = options.CallsPerMinuteByTier.GetValueOrDefault(tier, 20);
        return [(method, Math.Max(1, perMinute))];
    }
}
