using System.Globalization;
using PeerBot.Sandbox.Workspace;

namespace PeerBot.Sandbox.Web;

/// <summary>
/// The private replies with buttons the page was given, per person, so their buttons can be pressed as on Discord's
/// ephemeral messages and Slack's ephemeral blocks: a press must answer a reply given to the person pressing, with
/// that button on it. Kept in memory only (private replies are never stored), the latest few per person.
/// </summary>
internal sealed class SandboxPrivateReplies
{
    /// <summary>Replies kept per person; older ones' buttons expire.</summary>
    public const int KeptPerPerson = 50;

    private readonly Dictionary<string, List<PrivateReply>> _byPerson = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _next;

    /// <summary>Keeps a reply given to a person in a channel; returns its id.</summary>
    public string Add(string userId, string channelId, SandboxContent content)
    {
        lock (_gate)
        {
            var id = "R" + (++_next).ToString(CultureInfo.InvariantCulture);
            if (!_byPerson.TryGetValue(userId, out var replies))
            {
                replies = [];
                _byPerson[userId] = replies;
            }

            replies.Add(new PrivateReply(id, channelId, content));
            if (replies.Count > KeptPerPerson)
            {
                replies.RemoveAt(0);
            }

            return id;
        }
    }

    /// <summary>The reply with this id given to this person, or null.</summary>
    public PrivateReply? Find(string userId, string replyId)
    {
        lock (_gate)
        {
            return _byPerson.TryGetValue(userId, out var replies) ? replies.Find(r => r.Id == replyId) : null;
        }
    }

    /// <summary>Replaces a reply's content (a button asked to update the message it was on).</summary>
    public void Update(string userId, string replyId, SandboxContent content)
    {
        lock (_gate)
        {
            if (_byPerson.TryGetValue(userId, out var replies) && replies.FindIndex(r => r.Id == replyId) is var index and >= 0)
            {
                replies[index] = replies[index] with { Content = content };
            }
        }
    }

    /// <summary>A private reply as given.</summary>
    internal sealed record PrivateReply(string Id, string ChannelId, SandboxContent Content);
}
