using PeerBot.Core.Platform;

namespace PeerBot.Slack.Api;

/// <summary>
/// A Web API call that failed: <c>{"ok":false,"error":…}</c>, a 429 beyond the retries, a 5xx or a network failure.
/// The message explains what to do and never contains a token.
/// </summary>
public sealed class SlackApiException : Exception
{
    public SlackApiException() : this("", "unknown_error") { }

    public SlackApiException(string message) : this("", "unknown_error", message) { }

    public SlackApiException(string message, Exception innerException) : this("", "unknown_error", message, innerException) { }

    public SlackApiException(string method, string error, string? message = null, Exception? innerException = null, string? needed = null, string? provided = null)
        : base(message ?? Describe(method, error, needed), innerException)
    {
        Method = method;
        Error = error;
        Needed = needed;
        Provided = provided;
    }

    /// <summary>The Web API method, e.g. <c>chat.postMessage</c>.</summary>
    public string Method { get; }

    /// <summary>Slack's error code (<c>channel_not_found</c>), or <c>ratelimited</c>, <c>unavailable</c>, <c>http_NNN</c>.</summary>
    public string Error { get; }

    /// <summary>The scope Slack asked for on <c>missing_scope</c>.</summary>
    public string? Needed { get; }

    /// <summary>The scopes the token has, on <c>missing_scope</c>.</summary>
    public string? Provided { get; }

    /// <summary>
    /// Each user a multi-user call refused and why (<c>conversations.invite</c> with <c>force</c> lists them in
    /// <c>errors</c>); empty when the answer had no such list.
    /// </summary>
    public IReadOnlyList<(string User, string Error)> UserErrors { get; init; } = [];

    /// <summary>True when the token itself is bad: retrying cannot help.</summary>
    public bool IsAuthError => Error is "invalid_auth" or "not_authed" or "account_inactive" or "token_revoked"
        or "token_expired" or "user_removed_from_team" or "team_disabled" or "no_permission" or "not_allowed_token_type";

    /// <summary>True when retrying later may succeed.</summary>
    public bool IsTransient => Error is "ratelimited" or "unavailable" or "internal_error" or "fatal_error" or "service_unavailable" or "request_timeout";

    /// <summary>The port's error for this failure.</summary>
    public PlatformException ToPlatformException() => new(Kind, Message, this);

    private PlatformErrorKind Kind => Error switch
    {
        "missing_scope" or "restricted_action" or "not_allowed_token_type" => PlatformErrorKind.MissingPermission,
        "ratelimited" => PlatformErrorKind.RateLimited,
        "unavailable" or "internal_error" or "fatal_error" or "service_unavailable" or "request_timeout" => PlatformErrorKind.Unavailable,
        "channel_not_found" or "user_not_found" or "users_not_found" or "message_not_found" or "is_archived" => PlatformErrorKind.NotFound,
        "cannot_dm_bot" or "user_disabled" or "messages_tab_disabled" => PlatformErrorKind.CannotMessageUser,
        _ when IsAuthError => PlatformErrorKind.Unauthorized,
        _ => PlatformErrorKind.Other,
    };

    private static string Describe(string method, string error, string? needed) => error switch
    {
        "missing_scope" => $"Slack refused {method}: the app lacks the scope '{needed ?? "(not named)"}'. "
            + "Add it under OAuth & Permissions > Bot Token Scopes at api.slack.com/apps, then reinstall the app to the workspace.",
        "invalid_auth" or "not_authed" or "token_revoked" or "token_expired" or "account_inactive" =>
            $"Slack rejected the token on {method} ({error}). Check PeerBot:Slack:BotToken (xoxb-…) and PeerBot:Slack:AppToken (xapp-…, scope connections:write); the app may have been uninstalled or the token revoked.",
        "not_allowed_token_type" => $"Slack refused {method}: wrong kind of token. PeerBot:Slack:BotToken must be the Bot User OAuth Token (xoxb-…) and PeerBot:Slack:AppToken an app-level token (xapp-…).",
        "ratelimited" => $"Slack rate-limited {method} beyond the retries; try again later.",
        "unavailable" => $"Slack did not answer {method}; try again later.",
        _ => $"Slack returned '{error}' for {method}.",
    };
}
