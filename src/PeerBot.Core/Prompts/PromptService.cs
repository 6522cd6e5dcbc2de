using Microsoft.Extensions.Logging;
using PeerBot.Core.Digest;
using PeerBot.Core.Groups;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Prompts;

/// <summary>
/// Picks and posts prompts for groups. Each group goes through the whole library before any prompt repeats;
/// reframing prompts come from the solutions theme. Posts carry an idempotency key, and a scheduled post is
/// recorded as pending before it is sent, so a retry after a crash cannot post it twice.
/// </summary>
public sealed class PromptService : IDisposable
{
    private readonly PromptLibrary _library;
    private readonly IPromptStore _store;
    private readonly IGroupDirectory _groups;
    private readonly IPlatformRegistry _platforms;
    private readonly TimeProvider _time;
    private readonly ILogger<PromptService> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly DigestRecorder? _digest;

    /// <summary>Creates the service.</summary>
    public PromptService(PromptLibrary library, IPromptStore store, IGroupDirectory groups, IPlatformRegistry platforms, TimeProvider time, ILogger<PromptService> logger, DigestRecorder? digest = null)
    {
        _digest = digest;
        _library = library;
        _store = store;
        _groups = groups;
        _platforms = platforms;
        _time = time;
        _logger = logger;
    }

    /// <summary>The library in use.</summary>
    public PromptLibrary Library => _library;

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    /// <summary>The prompt the group would get next.</summary>
    public Prompt PeekNext(string groupId) => Next(_store.GetState(groupId));

    /// <summary>The reframing prompt the group would get next: a solutions prompt, unseen ones first.</summary>
    public Prompt PeekReframe(string groupId)
    {
        var state = _store.GetState(groupId);
        var solutions = _library.Prompts.Where(p => p.Has(PromptTheme.Solutions)).ToList();
        return solutions.FirstOrDefault(p => !state.SeenPromptIds.Contains(p.Id))
            ?? solutions.OrderBy(p => state.SeenPromptIds.IndexOf(p.Id)).First();
    }

    /// <summary>Posts the group's next prompt now (a facilitator's <c>prompt now</c>).</summary>
    public Task<OperationResult<PromptOutcome>> PostNextNowAsync(string groupId, CancellationToken cancellationToken) =>
        PostManualAsync(groupId, "now", state => Next(state), "This week's prompt", cancellationToken);

    /// <summary>Posts a reframing prompt now.</summary>
    public Task<OperationResult<PromptOutcome>> PostReframeAsync(string groupId, CancellationToken cancellationToken) =>
        PostManualAsync(groupId, "reframe", _ => PeekReframe(groupId), "A different angle", cancellationToken);

    /// <summary>Marks the next prompt as used without posting it; returns it.</summary>
    public async Task<OperationResult<Prompt>> SkipNextAsync(string groupId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = _store.GetState(groupId);
            var prompt = Next(state);
            MarkUsed(state, prompt);
            _store.SaveState(state);
            _store.AppendPosted(new PostedPrompt { GroupId = groupId, PromptId = prompt.Id, How = "skipped", At = _time.GetUtcNow() });
            return OperationResult<Prompt>.Success(prompt);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Posts a scheduled prompt for an occurrence, or finishes one left pending by a crash. Returns false when the
    /// platform failed (the post stays pending and is retried with the same key).
    /// </summary>
    public async Task<bool> PostScheduledAsync(GroupInfo group, DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = _store.GetState(group.Id);
            if (state.Pending is not { Kind: "prompt" } pending || pending.Occurrence != occurrence)
            {
                var prompt = Next(state);
                pending = new PendingPost
                {
                    Kind = "prompt",
                    PromptId = prompt.Id,
                    Occurrence = occurrence,
                    IdempotencyKey = $"prompt:{group.Id}:{occurrence.UtcTicks}",
                };
                state.Pending = pending;
                _store.SaveState(state);
            }

            var toPost = (pending.PromptId is null ? null : _library.Find(pending.PromptId)) ?? Next(state);
            try
            {
                await SendAsync(group, toPost, "This week's prompt", pending.IdempotencyKey, cancellationToken).ConfigureAwait(false);
            }
            catch (PlatformException ex)
            {
                _logger.LogWarning(ex, "Posting the scheduled prompt for group {GroupId} failed ({Kind}); it is retried", group.Id, ex.Kind);
                return false;
            }

            MarkUsed(state, toPost);
            state.LastPromptOccurrence = occurrence;
            state.Pending = null;
            _store.SaveState(state);
            var postedAt = _time.GetUtcNow();
            _store.AppendPosted(new PostedPrompt { GroupId = group.Id, PromptId = toPost.Id, How = "scheduled", At = postedAt, Occurrence = occurrence });
            _digest?.PromptPosted(group.Id, postedAt);
            _logger.LogInformation("Posted prompt {PromptId} in group {GroupId} for {Occurrence:u}", toPost.Id, group.Id, occurrence);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Records a scheduled occurrence as dealt with without posting (too late, or paused), dropping anything pending.</summary>
    public async Task SkipScheduledAsync(string groupId, DateTimeOffset occurrence, string reason, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = _store.GetState(groupId);
            state.LastPromptOccurrence = occurrence;
            state.Pending = null;
            _store.SaveState(state);
            _store.AppendPosted(new PostedPrompt { GroupId = groupId, PromptId = "", How = "missed", At = _time.GetUtcNow(), Occurrence = occurrence });
            _logger.LogInformation("Scheduled prompt for group {GroupId} at {Occurrence:u} not posted: {Reason}", groupId, occurrence, reason);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Records a scheduled check-in occurrence as dealt with.</summary>
    public async Task MarkCheckInOccurrenceAsync(string groupId, DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = _store.GetState(groupId);
            state.LastCheckInOccurrence = occurrence;
            _store.SaveState(state);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Starts a new group's schedule from <paramref name="now"/>; with <paramref name="replace"/>, also one whose history
    /// is kept (a history written by a clock running ahead, which <see cref="ScheduleDecider"/> sets aside).
    /// </summary>
    public void StartSchedule(string groupId, DateTimeOffset now, bool checkIns, bool replace = false)
    {
        var state = _store.GetState(groupId);
        if (checkIns)
        {
            state.LastCheckInOccurrence = replace ? now : state.LastCheckInOccurrence ?? now;
        }
        else
        {
            state.LastPromptOccurrence = replace ? now : state.LastPromptOccurrence ?? now;
        }

        _store.SaveState(state);
    }

    private async Task<OperationResult<PromptOutcome>> PostManualAsync(string groupId, string how, Func<PromptGroupState, Prompt> pick, string heading, CancellationToken cancellationToken)
    {
        var group = _groups.Find(groupId);
        if (group is null)
        {
            return OperationResult<PromptOutcome>.Failure($"There is no group '{groupId}'.");
        }

        if (group.Channel is null)
        {
            return OperationResult<PromptOutcome>.Failure($"{group.Name} has no channel yet; try again in a minute.");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = _store.GetState(groupId);
            var prompt = pick(state);
            var now = _time.GetUtcNow();
            try
            {
                await SendAsync(group, prompt, heading, $"prompt:{groupId}:{how}:{prompt.Id}:{now.UtcTicks}", cancellationToken).ConfigureAwait(false);
            }
            catch (PlatformException ex)
            {
                _logger.LogWarning(ex, "Posting a prompt in group {GroupId} failed ({Kind})", groupId, ex.Kind);
                return OperationResult<PromptOutcome>.Failure($"{group.Platform} did not take the post ({ex.Kind}); nothing was posted. Try again shortly.");
            }

            MarkUsed(state, prompt);
            _store.SaveState(state);
            _store.AppendPosted(new PostedPrompt { GroupId = groupId, PromptId = prompt.Id, How = how, At = now });
            _digest?.PromptPosted(groupId, now);
            return OperationResult<PromptOutcome>.Success(new PromptOutcome(groupId, prompt.Id, prompt.Text, null));
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task SendAsync(GroupInfo group, Prompt prompt, string heading, string key, CancellationToken cancellationToken)
    {
        var platform = _platforms.Find(group.Platform)
            ?? throw new PlatformException(PlatformErrorKind.Unavailable, $"{group.Platform} is not enabled.");
        if (group.Channel is null)
        {
            throw new PlatformException(PlatformErrorKind.NotFound, $"Group {group.Id} has no channel yet.");
        }

        var message = new OutgoingMessage(
            [
                new HeadingBlock(heading),
                new ParagraphBlock(prompt.Text),
                new ParagraphBlock([new TextSpan("Answer here, or share anonymously with /peer share.", SpanStyle.Italic)]),
            ],
            [],
            key);
        await platform.PostMessageAsync(group.Channel, message, cancellationToken).ConfigureAwait(false);
    }

    private Prompt Next(PromptGroupState state)
    {
        var unseen = _library.Prompts.FirstOrDefault(p => !state.SeenPromptIds.Contains(p.Id));
        if (unseen is not null)
        {
            return unseen;
        }

        // A new cycle: start again, but not with the prompt the group saw last.
        return _library.Prompts.FirstOrDefault(p => p.Id != state.LastPromptId) ?? _library.Prompts[0];
    }

    private void MarkUsed(PromptGroupState state, Prompt prompt)
    {
        if (_library.Prompts.All(p => state.SeenPromptIds.Contains(p.Id)))
        {
            state.SeenPromptIds.Clear();
        }

        state.SeenPromptIds.Remove(prompt.Id);
        state.SeenPromptIds.Add(prompt.Id);
        state.LastPromptId = prompt.Id;
    }
}
