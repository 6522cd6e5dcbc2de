using PeerBot.Core.Platform;

namespace PeerBot.Core.Safety;

/// <summary>
/// Classifies the messages that are already waiting together, before they are handled one at a time and in order. A
/// platform's message loop hands the texts it has queued to <see cref="Prepare"/>: one
/// <see cref="IMessageClassifier.ClassifyMany"/> call classifies them (the semantic engine embeds them in one batch, which
/// costs far less than one run each), and each message's own <see cref="Classify"/>, when the live monitor reaches it,
/// takes its prepared assessment. A message that was not prepared is classified on its own, as before; an assessment
/// depends on the text alone, so a prepared one is the one the message would have had. Nothing is kept past the batch:
/// disposing what <see cref="Prepare"/> returns forgets what it prepared and was not used.
/// </summary>
public sealed class ClassificationBatch : IMessageClassifier
{
    /// <summary>At most this many assessments are held at once, across every platform's loop.</summary>
    public const int MaxPrepared = 256;

    private readonly IMessageClassifier _inner;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<(object Owner, MessageAssessment Assessment)>> _prepared = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>Creates the batch over the classifier that decides.</summary>
    public ClassificationBatch(IMessageClassifier inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <summary>How many prepared assessments are waiting to be taken.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>
    /// Classifies <paramref name="texts"/> together and keeps the assessments for <see cref="Classify"/>; fewer than two
    /// texts, or more than there is room for, are left to be classified one by one. A failure is left to the messages'
    /// own classification, which reports it where they are handled. Dispose the result when the batch is handled.
    /// </summary>
    public IDisposable Prepare(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var owner = new Prepared(this);
        lock (_gate)
        {
            if (texts.Count < 2 || _count + texts.Count > MaxPrepared)
            {
                return owner;
            }
        }

        IReadOnlyList<MessageAssessment> assessments;
        try
        {
            assessments = _inner.ClassifyMany(texts);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return owner;
        }

        lock (_gate)
        {
            for (var i = 0; i < texts.Count && i < assessments.Count; i++)
            {
                if (!_prepared.TryGetValue(texts[i], out var list))
                {
                    _prepared[texts[i]] = list = [];
                }

                list.Add((owner, assessments[i]));
                _count++;
            }
        }

        return owner;
    }

    /// <summary>
    /// <see cref="Prepare"/> for a platform's queued messages: the group messages among them, with their text as Core
    /// screens it (<see cref="InboundText.Clean"/>); DMs are not screened, so they are not classified.
    /// </summary>
    public IDisposable PrepareMessages(IEnumerable<IncomingMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Prepare([.. messages.Where(m => !m.IsDirect).Select(m => InboundText.Clean(m.Text))]);
    }

    /// <inheritdoc />
    public MessageAssessment Classify(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        lock (_gate)
        {
            if (_prepared.TryGetValue(text, out var list))
            {
                var (_, assessment) = list[0];
                list.RemoveAt(0);
                _count--;
                if (list.Count == 0)
                {
                    _prepared.Remove(text);
                }

                return assessment;
            }
        }

        return _inner.Classify(text);
    }

    /// <inheritdoc />
    public IReadOnlyList<MessageAssessment> ClassifyMany(IReadOnlyList<string> texts) => _inner.ClassifyMany(texts);

    private void Forget(object owner)
    {
        lock (_gate)
        {
            foreach (var text in _prepared.Keys.ToList())
            {
                var list = _prepared[text];
                _count -= list.RemoveAll(p => ReferenceEquals(p.Owner, owner));
                if (list.Count == 0)
                {
                    _prepared.Remove(text);
                }
            }
        }
    }

    private sealed class Prepared(ClassificationBatch batch) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                batch.Forget(this);
            }
        }
    }
}
