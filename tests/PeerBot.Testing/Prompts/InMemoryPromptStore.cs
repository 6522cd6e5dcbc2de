using System.Text.Json;
using PeerBot.Core.Prompts;

namespace PeerBot.Testing.Prompts;

/// <summary>An in-memory <see cref="IPromptStore"/>; records are copied in and out so callers cannot alias stored state.</summary>
public sealed class InMemoryPromptStore : IPromptStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, string> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _checkIns = new(StringComparer.Ordinal);
    private readonly List<PostedPrompt> _posted = [];

    /// <summary>While set, every <see cref="GetState"/> throws it (simulates a store that cannot be read).</summary>
    public Exception? FailStateReads { get; set; }

    public PromptGroupState GetState(string groupId)
    {
        lock (_gate)
        {
            if (FailStateReads is { } failure)
            {
                throw failure;
            }

            return _states.TryGetValue(groupId, out var json) ? JsonSerializer.Deserialize<PromptGroupState>(json)! : new PromptGroupState { Id = groupId };
        }
    }

    public void SaveState(PromptGroupState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_gate)
        {
            _states[state.Id] = JsonSerializer.Serialize(state);
        }
    }

    public void AppendPosted(PostedPrompt posted)
    {
        ArgumentNullException.ThrowIfNull(posted);
        lock (_gate)
        {
            posted.Id = _posted.Count + 1;
            _posted.Add(posted);
        }
    }

    public IReadOnlyList<PostedPrompt> Posted(string groupId)
    {
        lock (_gate)
        {
            return _posted.Where(p => p.GroupId == groupId).ToList();
        }
    }

    public void SaveCheckIn(CheckInRecord checkIn)
    {
        ArgumentNullException.ThrowIfNull(checkIn);
        lock (_gate)
        {
            _checkIns[checkIn.Id] = JsonSerializer.Serialize(checkIn);
        }
    }

    public CheckInRecord? FindCheckIn(string checkInId)
    {
        lock (_gate)
        {
            return _checkIns.TryGetValue(checkInId, out var json) ? JsonSerializer.Deserialize<CheckInRecord>(json) : null;
        }
    }

    public IReadOnlyList<CheckInRecord> OpenCheckIns()
    {
        lock (_gate)
        {
            return _checkIns.Values.Select(j => JsonSerializer.Deserialize<CheckInRecord>(j)!).Where(c => !c.Closed).ToList();
        }
    }
}
