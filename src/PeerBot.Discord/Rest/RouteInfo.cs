namespace PeerBot.Discord.Rest;

/// <summary>
/// How Discord groups requests for rate limiting: the route with ids replaced, plus the major
/// parameter (the channel, guild or webhook the request is about).
/// </summary>
internal readonly record struct RouteInfo(string Method, string Route, string Major, bool IsInteractionCallback, bool IsWebhookToken = false)
{
    /// <summary>
    /// Authorised by a token in the path (an interaction callback, or a follow-up or edit through the interaction's webhook
    /// token), not by the bot's: such a request carries no Authorization header, and its 401 says nothing about the bot token.
    /// </summary>
    public bool IsTokenRoute => IsInteractionCallback || IsWebhookToken;

    /// <summary>
    /// The route as logs may show it: the channel or webhook id replaced by <c>:id</c>, since a direct-message channel's id
    /// points at the person the bot talks to there.
    /// </summary>
    public string ForLog
    {
        get
        {
            var segments = Route.Split('/');
            if (segments.Length > 2 && segments[1] is "channels" or "webhooks")
            {
                segments[2] = ":id";
            }

            return string.Join('/', segments);
        }
    }

    /// <summary>The key of the route before its bucket hash is known.</summary>
    public string RouteKey => Method + ":" + Route;

    public static RouteInfo Describe(HttpMethod method, string pathAndQuery)
    {
        var path = pathAndQuery;
        var query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            path = path[..query];
        }

        var segments = path.Trim('/').Split('/');
        var major = "global";
        var head = segments.Length > 0 ? segments[0] : "";
        var callback = head == "interactions";
        if ((head is "channels" or "guilds") && segments.Length > 1)
        {
            major = segments[1];
        }
        else if (head == "webhooks" && segments.Length > 1)
        {
            major = segments.Length > 2 ? segments[1] + "/" + segments[2] : segments[1];
        }
        else if (callback && segments.Length > 1)
        {
            // Every interaction has its own token; callbacks are exempt from the global limit.
            major = segments[1];
        }

        var route = new string[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            var s = segments[i];
            var isTokenSegment = i == 2 && (head is "webhooks" or "interactions");
            if (i == 1 && head is "channels" or "guilds" or "webhooks")
            {
                route[i] = s; // the major parameter stays in the route
            }
            else if (isTokenSegment)
            {
                route[i] = ":token";
            }
            else
            {
                route[i] = IsSnowflake(s) ? ":id" : s;
            }
        }

        var webhookToken = head == "webhooks" && segments.Length > 2;
        return new RouteInfo(method.Method, "/" + string.Join('/', route), major, callback, webhookToken);
    }

    public static bool IsSnowflake(string value) =>
        value.Length is >= 15 and <= 21 && value.All(char.IsAsciiDigit);
}
