using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PeerBot.Discord.Rest;

namespace PeerBot.Discord;

/// <summary>What the start-up check found.</summary>
/// <param name="InGuild">Whether the bot is a member of the configured server.</param>
/// <param name="Missing">Permissions the bot lacks there.</param>
/// <param name="InviteUrl">The URL that adds the bot with the permissions it needs.</param>
public sealed record DiscordStartupReport(bool InGuild, IReadOnlyList<string> Missing, string InviteUrl)
{
    public bool Ok => InGuild && Missing.Count == 0;
}

/// <summary>
/// Checks at start that the bot is in the configured server with the permissions it needs, and if not
/// logs the invite URL with the exact permission integer and scopes and what is missing.
/// </summary>
public static class DiscordStartupCheck
{
    public const string Scopes = "bot applications.commands";

    public static string InviteUrl(string applicationId, string guildId) =>
        "https://discord.com/oauth2/authorize?client_id=" + applicationId
        + "&scope=" + Uri.EscapeDataString(Scopes)
        + "&permissions=" + Permissions.Required.ToString(CultureInfo.InvariantCulture)
        + "&guild_id=" + guildId + "&disable_guild_select=true";

    public static async Task<DiscordStartupReport> RunAsync(DiscordRestClient rest, DiscordSession session, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rest);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(logger);
        var (botId, appId) = await session.GetIdentityAsync(rest, cancellationToken).ConfigureAwait(false);
        var invite = InviteUrl(appId, session.GuildId);
        var member = await rest.SendAsync(HttpMethod.Get, $"/guilds/{session.GuildId}/members/{botId}", null, null, cancellationToken).ConfigureAwait(false);
        if (!member.IsSuccess)
        {
            if (member.Status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
            {
                logger.LogError(
                    "The Discord bot is not in the server {GuildId} (PeerBot:Discord:GuildId). Invite it with {InviteUrl} "
                    + "(scopes: {Scopes}; permissions {Permissions}: {Names}). PeerBot keeps running and will use the server once the bot joins.",
                    session.GuildId, invite, Scopes, Permissions.Required, string.Join(", ", Permissions.Names(Permissions.Required)));
                return new DiscordStartupReport(false, Permissions.Names(Permissions.Required), invite);
            }

            throw member.ToException();
        }

        var roles = (await rest.SendAsync(HttpMethod.Get, $"/guilds/{session.GuildId}/roles", null, null, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
        var memberRoles = member.Body!.Value.TryGetProperty("roles", out var r)
            ? r.EnumerateArray().Select(x => x.GetString()).ToHashSet(StringComparer.Ordinal)
            : [];
        long granted = 0;
        foreach (var role in roles.EnumerateArray())
        {
            var id = role.GetProperty("id").GetString();
            if (id == session.GuildId || memberRoles.Contains(id))
            {
                var p = role.GetProperty("permissions");
                granted |= p.ValueKind == JsonValueKind.Number ? p.GetInt64() : long.Parse(p.GetString()!, CultureInfo.InvariantCulture);
            }
        }

        var missing = (granted & Permissions.Administrator) != 0 ? 0 : Permissions.Required & ~granted;
        var names = Permissions.Names(missing);
        if (names.Count > 0)
        {
            logger.LogError(
                "The Discord bot lacks permissions in server {GuildId}: {Missing}. Grant them to its role in Server Settings > Roles, "
                + "or re-invite it with {InviteUrl} (scopes: {Scopes}; permissions {Permissions}).",
                session.GuildId, string.Join(", ", names), invite, Scopes, Permissions.Required);
        }
        else
        {
            logger.LogInformation("Discord bot is in server {GuildId} with the permissions it needs", session.GuildId);
        }

        return new DiscordStartupReport(true, names, invite);
    }

}
