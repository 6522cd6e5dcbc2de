using System.Diagnostics;
using System.Globalization;
using PeerBot.Testing.Discord;
using PeerBot.Testing.Slack;

namespace PeerBot.LoadTest;

/// <summary>What the shared scenario needs from one platform's emulator: people, injection, and what it saw.</summary>
internal interface IPlatformDriver : IAsyncDisposable
{
    /// <summary>The platform's name in the configuration (a group's <c>Platform</c>, a person's key).</summary>
    string ConfigName { get; }

    /// <summary>What the platform's outbound calls are called ("REST requests", "Web API calls").</summary>
    string CallsName { get; }

    Task StartAsync();

    /// <summary>The configuration keys pointing the host at the emulator.</summary>
    IReadOnlyDictionary<string, string?> HostSettings { get; }

    /// <summary>Adds a person to the emulated workspace; returns how the configuration names them.</summary>
    string AddPerson(int index);

    /// <summary>How many times a host has connected (gateway identified, Socket Mode connected).</summary>
    int Connections { get; }

    /// <summary>The group's channel, once made.</summary>
    string? GroupChannel(int group);

    /// <summary>True when the person has had a DM from the bot.</summary>
    bool Welcomed(string userId);

    /// <summary>Where a facilitator's alerts arrive, and how many messages are there now.</summary>
    (string Inbox, int Count) AlertInbox(string facilitatorId);

    /// <summary>True when a spiral alert arrived in the inbox after the first <paramref name="before"/> messages.</summary>
    bool AlertArrived(string inbox, int before);

    Task InjectMessageAsync(string channelId, string authorId, string text);

    /// <summary>Runs <c>/peer SUB</c>; returns the milliseconds until it was acknowledged.</summary>
    Task<double> RunCommandAsync(string userId, string channelId, string subcommand, TimeSpan timeout);

    /// <summary>Every outbound call so far, by route or method.</summary>
    IReadOnlyList<string> CallRoutes();

    IReadOnlyList<string> Violations { get; }

    string Extra { get; }

    /// <summary>What the platform holds now: group channels (and any made twice), and welcomes (and any sent twice).</summary>
    Census Count(int groups, IReadOnlyList<string> people);
}

/// <summary>
/// What a platform holds after start-up: each group's channel once, each person welcomed once. After a hard kill a
/// second channel for a group is a defect; a second welcome is a send the killed host made but could not record.
/// </summary>
/// <param name="GroupChannels">Groups with at least one channel.</param>
/// <param name="DuplicateChannels">Channels beyond the first for a group.</param>
/// <param name="Categories">Categories (Discord) holding the channels; 0 on Slack.</param>
/// <param name="Welcomed">People with at least one welcome.</param>
/// <param name="DuplicateWelcomes">Welcomes beyond the first for a person.</param>
internal sealed record Census(int GroupChannels, int DuplicateChannels, int Categories, int Welcomed, int DuplicateWelcomes)
{
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"group channels {GroupChannels} ({DuplicateChannels} made twice), categories {Categories}, welcomed {Welcomed} ({DuplicateWelcomes} welcomed twice)");
}

internal sealed class DiscordDriver : IPlatformDriver
{
    private DiscordEmulator? _emulator;

    private DiscordEmulator E => _emulator ?? throw new InvalidOperationException("not started");

    public string ConfigName => "Discord";

    public string CallsName => "REST requests";

    public async Task StartAsync() =>
        // Heartbeats at Discord's usual interval: the run is real time.
        _emulator = await DiscordEmulator.StartAsync(new DiscordEmulatorOptions());

    public IReadOnlyDictionary<string, string?> HostSettings => new Dictionary<string, string?>(E.HostConfiguration())
    {
        ["PeerBot:Discord:CategoryName"] = "Peer Support",
    };

    public string AddPerson(int index) => E.AddMember($"user{index:D5}");

    public int Connections => E.Identifies;

    public string? GroupChannel(int group) => E.FindChannelByName($"peer-group-{group:D4}")?.Id;

    public bool Welcomed(string userId) => E.DirectChannel(userId) is { } dm && E.MessagesIn(dm.Id).Count >= 1;

    public (string Inbox, int Count) AlertInbox(string facilitatorId)
    {
        var dm = E.DirectChannel(facilitatorId)!.Id;
        return (dm, E.MessagesIn(dm).Count);
    }

    public bool AlertArrived(string inbox, int before)
    {
        var messages = E.MessagesIn(inbox);
        return messages.Count > before && messages.Skip(before).Any(m => m.Content.Contains("Fatalistic spiral", StringComparison.Ordinal));
    }

    public Task InjectMessageAsync(string channelId, string authorId, string text) => E.InjectMessageAsync(channelId, authorId, text);

    public async Task<double> RunCommandAsync(string userId, string channelId, string subcommand, TimeSpan timeout)
    {
        // The emulator's own measure: from sending the interaction to receiving its first callback.
        var asked = await E.InjectCommandAsync(userId, channelId, inGuild: true, DiscordEmulator.Sub(subcommand));
        return (await asked.FirstAnswer.WaitAsync(timeout)).Delay.TotalMilliseconds;
    }

    public IReadOnlyList<string> CallRoutes() => [.. E.Requests.Select(r => r.Route)];

    public IReadOnlyList<string> Violations => E.Violations;

    public string Extra => "";

    public Census Count(int groups, IReadOnlyList<string> people)
    {
        var channels = E.Channels;
        var byName = channels.Where(c => c.Type == 0 && c.Name.StartsWith("peer-group-", StringComparison.Ordinal)).GroupBy(c => c.Name).ToList();
        var welcomes = people.Select(p => E.DirectChannel(p) is { } dm ? E.MessagesIn(dm.Id).Count(m => m.Content.Contains("Welcome to", StringComparison.Ordinal)) : 0).ToList();
        return new Census(byName.Count, byName.Sum(g => g.Count() - 1), channels.Count(c => c.Type == 4), welcomes.Count(w => w > 0), welcomes.Sum(w => Math.Max(0, w - 1)));
    }

    public async ValueTask DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }
}

internal sealed class SlackDriver : IPlatformDriver
{
    // Pages as large as Slack's usual ones (the emulator's default of 2 is for exercising paging in tests).
    private readonly SlackEmulator _emulator = new() { MaxPageSize = 200 };

    /// <param name="realTiers">When true, the emulator answers 429 beyond Slack's published limits, as Slack does.</param>
    public SlackDriver(bool realTiers)
    {
        if (realTiers)
        {
            _emulator.UseSlackTierLimits();
        }
    }

    public string ConfigName => "Slack";

    public string CallsName => "Web API calls";

    public Task StartAsync() => _emulator.StartAsync();

    public IReadOnlyDictionary<string, string?> HostSettings => _emulator.ConfigurationValues;

    public string AddPerson(int index)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"U{index:D7}");
        _emulator.AddUser(id, $"user{index:D5}", $"user{index:D5}@hospital.org");
        return id;
    }

    public int Connections => _emulator.ConnectionsOpened;

    public string? GroupChannel(int group)
    {
        var suffix = string.Create(CultureInfo.InvariantCulture, $"group-{group:D4}");
        return _emulator.Channels.FirstOrDefault(c => c.Name.EndsWith(suffix, StringComparison.Ordinal))?.Id;
    }

    public bool Welcomed(string userId) => _emulator.DirectMessagesTo(userId).Count >= 1;

    public (string Inbox, int Count) AlertInbox(string facilitatorId) => (facilitatorId, _emulator.DirectMessagesTo(facilitatorId).Count);

    public bool AlertArrived(string inbox, int before)
    {
        var messages = _emulator.DirectMessagesTo(inbox);
        return messages.Count > before && messages.Skip(before).Any(m =>
            m.Text.Contains("Fatalistic spiral", StringComparison.Ordinal) || (m.Blocks?.ToJsonString().Contains("Fatalistic spiral", StringComparison.Ordinal) ?? false));
    }

    public Task InjectMessageAsync(string channelId, string authorId, string text) => _emulator.InjectMessageAsync(channelId, authorId, text);

    public async Task<double> RunCommandAsync(string userId, string channelId, string subcommand, TimeSpan timeout)
    {
        // From just before the envelope is sent to its acknowledgement coming back over the socket.
        var asked = Stopwatch.GetTimestamp();
        await _emulator.InjectSlashCommandAsync(userId, channelId, subcommand).WaitAsync(timeout);
        return Stopwatch.GetElapsedTime(asked).TotalMilliseconds;
    }

    public IReadOnlyList<string> CallRoutes() => [.. _emulator.Calls.Select(c => c.Method)];

    public IReadOnlyList<string> Violations => _emulator.Violations;

    public string Extra => $"; unacknowledged envelopes {_emulator.UnacknowledgedEnvelopes}; 429s {_emulator.Calls.Count(c => c.Status == 429)}";

    public Census Count(int groups, IReadOnlyList<string> people)
    {
        var byName = _emulator.Channels.Where(c => !c.IsIm && c.Name.Contains("group-", StringComparison.Ordinal)).GroupBy(c => c.Name).ToList();
        var welcomes = people.Select(p => _emulator.DirectMessagesTo(p).Count(m =>
            m.Text.Contains("Welcome to", StringComparison.Ordinal) || (m.Blocks?.ToJsonString().Contains("Welcome to", StringComparison.Ordinal) ?? false))).ToList();
        return new Census(byName.Count, byName.Sum(g => g.Count() - 1), 0, welcomes.Count(w => w > 0), welcomes.Sum(w => Math.Max(0, w - 1)));
    }

    public ValueTask DisposeAsync() => _emulator.DisposeAsync();
}
