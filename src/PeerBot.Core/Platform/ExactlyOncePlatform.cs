using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PeerBot.Core.Platform;

/// <summary>
/// Makes every message with an <see cref="OutgoingMessage.IdempotencyKey"/> happen exactly once, whatever point a crash
/// stops at, from PeerBot's own records rather than the platform's forgetful ones: the intent is recorded in the
/// <see cref="ISendJournal"/> before the message is sent, and completed with where it went once the platform answers.
/// A later send with the same key returns the recorded message without sending; one whose outcome is unknown (the
/// process died, or the answer was lost) is first looked for on the platform (<see cref="ISentMessageFinder"/>) and sent
/// only when it is not there. Everything else passes straight through to the adapter.
/// </summary>
/// <remarks>
/// When the journal itself fails, the message is still sent (at least once, rather than never: it may be a crisis
/// alert); when the platform cannot be asked because it is down, the send fails as the send itself would have, so the
/// caller retries later as it does for any outage; when the platform refuses to be asked (a missing permission), the
/// message is sent.
/// </remarks>
public sealed partial class ExactlyOncePlatform : IChatPlatform
{
    /// <summary>How long records are kept: longer than any caller goes on retrying one message.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    /// <summary>How far apart PeerBot's clock and the platform's may be.</summary>
    public static readonly TimeSpan ClockAllowance = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan SweepInterval = TimeSpan.FromHours(1);

    private readonly ISendJournal _journal;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    // One gate per key being sent, with the number of callers holding or awaiting it; the last to leave removes it, so a
    // caller never waits on a gate that another caller of the same key no longer shares.
    private readonly Dictionary<string, (SemaphoreSlim Gate, int Users)> _sending = new(StringComparer.Ordinal);
    private long _nextSweepTicks;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public ExactlyOncePlatform(IChatPlatform inner, ISendJournal journal, TimeProvider time, ILogger<ExactlyOncePlatform>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(time);
        Inner = inner;
        _journal = journal;
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The adapter this wraps.</summary>
    public IChatPlatform Inner { get; }

    /// <inheritdoc />
    public PlatformKind Kind => Inner.Kind;

    /// <inheritdoc />
    public Task<MessageRef> PostMessageAsync(ChannelRef channel, OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(message);
        return OnceAsync(message, channel, null, false, () => Inner.PostMessageAsync(channel, message, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(message);
        return OnceAsync(message, null, userId, false, () => Inner.SendDirectMessageAsync(userId, message, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, IReadOnlyList<MessageImage> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(images);
        return OnceAsync(message, null, userId, images.Count > 0, () => Inner.SendDirectMessageAsync(userId, message, images, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public Task<ChannelRef> EnsurePrivateChannelAsync(PrivateChannelSpec spec, CancellationToken cancellationToken) =>
        Inner.EnsurePrivateChannelAsync(spec, cancellationToken);

    /// <inheritdoc />
    public Task AddMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken) =>
        Inner.AddMemberAsync(channel, userId, cancellationToken);

    /// <inheritdoc />
    public Task RemoveMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken) =>
        Inner.RemoveMemberAsync(channel, userId, cancellationToken);

    /// <inheritdoc />
    public Task ArchiveChannelAsync(ChannelRef channel, CancellationToken cancellationToken) =>
        Inner.ArchiveChannelAsync(channel, cancellationToken);

    /// <inheritdoc />
    public Task DeleteMessageAsync(MessageRef message, CancellationToken cancellationToken) =>
        Inner.DeleteMessageAsync(message, cancellationToken);

    /// <inheritdoc />
    public Task UpdateMessageAsync(MessageRef message, OutgoingMessage content, CancellationToken cancellationToken) =>
        Inner.UpdateMessageAsync(message, content, cancellationToken);

    /// <inheritdoc />
    public Task<string?> ResolveUserAsync(string nameOrId, CancellationToken cancellationToken) =>
        Inner.ResolveUserAsync(nameOrId, cancellationToken);

    /// <inheritdoc />
    public Task ForgetPersonAsync(string userId, CancellationToken cancellationToken) =>
        Inner.ForgetPersonAsync(userId, cancellationToken);

    private async Task<MessageRef> OnceAsync(OutgoingMessage message, ChannelRef? channel, string? userId, bool hasImages, Func<Task<MessageRef>> send, CancellationToken cancellationToken)
    {
        if (message.IdempotencyKey is not { } key)
        {
            return await send().ConfigureAwait(false);
        }

        var id = SendMarker.Of(Kind, key);
        var gate = EnterGate(id);
        try
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            LeaveGate(id);
            throw;
        }

        try
        {
            var record = Read(id);
            if (record is { Sent: true })
            {
                LogAlreadySent(id);
                return Reference(record, channel) ?? await FindAgainAsync(record, message, channel, userId, hasImages, cancellationToken).ConfigureAwait(false);
            }

            if (record is not null && Inner is ISentMessageFinder finder)
            {
                var found = await LookAsync(finder, new SentMessageQuery(channel, userId, message, id, record.Since - ClockAllowance, hasImages), cancellationToken).ConfigureAwait(false);
                if (found is not null)
                {
                    LogFoundOnPlatform(id);
                    Write(Completed(record, found, message.Discreet));
                    return found;
                }
            }

            var now = _time.GetUtcNow();
            var intent = record ?? new SendRecord { Id = id, Since = HourOf(now) };
            if (record is null)
            {
                Write(intent);
            }

            var sent = await send().ConfigureAwait(false);
            Write(Completed(intent, sent, message.Discreet));
            Sweep(now);
            return sent;
        }
        finally
        {
            gate.Release();
            LeaveGate(id);
        }
    }

    private SemaphoreSlim EnterGate(string id)
    {
        lock (_sending)
        {
            var entry = _sending.TryGetValue(id, out var existing) ? existing : (Gate: new SemaphoreSlim(1, 1), Users: 0);
            _sending[id] = (entry.Gate, entry.Users + 1);
            return entry.Gate;
        }
    }

    private void LeaveGate(string id)
    {
        lock (_sending)
        {
            var (gate, users) = _sending[id];
            if (users == 1)
            {
                _sending.Remove(id);
                gate.Dispose();
            }
            else
            {
                _sending[id] = (gate, users - 1);
            }
        }
    }

    /// <summary>
    /// A discreet message's record says only that it went. Its caller asks again only after a crash, and needs no
    /// reference to a private note; the platform's answer is looked for again so the caller still gets a true one.
    /// </summary>
    private async Task<MessageRef> FindAgainAsync(SendRecord record, OutgoingMessage message, ChannelRef? channel, string? userId, bool hasImages, CancellationToken cancellationToken)
    {
        if (Inner is ISentMessageFinder finder
            && await LookAsync(finder, new SentMessageQuery(channel, userId, message, record.Id, record.Since - ClockAllowance, hasImages), cancellationToken).ConfigureAwait(false) is { } found)
        {
            return found;
        }

        return new MessageRef(channel ?? new ChannelRef(Kind, ""), "");
    }

    private async Task<MessageRef?> LookAsync(ISentMessageFinder finder, SentMessageQuery query, CancellationToken cancellationToken)
    {
        try
        {
            return await finder.FindSentAsync(query, cancellationToken).ConfigureAwait(false);
        }
        catch (PlatformException ex) when (!ex.IsTransient)
        {
            // Refused, not down (a permission to read history missing, say): better twice than never.
            LogLookupRefused(query.Marker, ex.Kind);
            return null;
        }
        catch (Exception ex) when (ex is not PlatformException and not OperationCanceledException)
        {
            LogLookupFailed(query.Marker, ex.GetType().Name);
            return null;
        }
    }

    private SendRecord? Read(string id)
    {
        try
        {
            return _journal.Find(id);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogJournalFailed(id, ex.GetType().Name);
            return null;
        }
    }

    private void Write(SendRecord record)
    {
        try
        {
            _journal.Save(record);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogJournalFailed(record.Id, ex.GetType().Name);
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweepTicks, (now + SweepInterval).UtcTicks, due) != due)
        {
            return;
        }

        try
        {
            _journal.RemoveOlderThan(now - Retention);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogJournalFailed("sweep", ex.GetType().Name);
        }
    }

    private static SendRecord Completed(SendRecord record, MessageRef sent, bool discreet) => discreet
        ? record with { Sent = true, ChannelId = null, MessageId = null }
        : record with { Sent = true, ChannelId = sent.Channel.Id, MessageId = sent.Id };

    private MessageRef? Reference(SendRecord record, ChannelRef? channel) =>
        record.ChannelId is { } channelId && record.MessageId is { } messageId
            ? new MessageRef(channel is not null && channel.Id == channelId ? channel : new ChannelRef(Kind, channelId), messageId)
            : null;

    /// <summary>Only the hour is kept: enough to bound the search, too coarse to line a message up with anything else.</summary>
    private static DateTimeOffset HourOf(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Send {Marker} was already made; not sent again.")]
    private partial void LogAlreadySent(string marker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Send {Marker}, whose outcome was unknown, is on the platform already; not sent again.")]
    private partial void LogFoundOnPlatform(string marker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The platform refused a look for send {Marker} ({Kind}); it is sent, and may show twice.")]
    private partial void LogLookupRefused(string marker, PlatformErrorKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for send {Marker} on the platform failed ({Error}); it is sent, and may show twice.")]
    private partial void LogLookupFailed(string marker, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The send journal failed for {Marker} ({Error}); the message goes without its record.")]
    private partial void LogJournalFailed(string marker, string error);
}
