using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Safety;
using PeerBot.Core.Sharing;
using PeerBot.Slack;
using PeerBot.Slack.SocketMode;
using PeerBot.Testing.Safety;
using PeerBot.Testing.Slack;
using PeerBot.Testing.Hosting;

namespace PeerBot.Tests.EndToEnd;

/// <summary>
/// The safety engine's state on disk through the whole host (every feature, LiteDB on disk, the Slack adapter against
/// the Slack emulator, a fake clock): a spiral whose messages straddle a restart alerts once, one that is cut by the
/// window does not, and what the database files hold of group members' words before and after their retention:
/// alert excerpts after <c>Safety:ExcerptRetention</c>, kept spiral messages after <c>Safety:SpiralWindow</c>.
/// </summary>
#pragma warning disable CA1001 // The emulator and the log collector are disposed in DisposeAsync (IAsyncLifetime).
public sealed class SafetyPersistenceEndToEndTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private const string Ana = "U0ANA";
    private const string Benjamin = "U0BENJ";
    private const string Cy = "U0CY";
    private const string Lee = "U0LEE";
    private const string Kim = "U0KIM";
    private const string SpiralAlert = "Fatalistic spiral: Tuesday Circle";
    private const string CopingNote = "Quiet note \u2014 coping (Tuesday Circle)";
    private const string Wine = "need three glasses of wine to fall asleep after nights now";
    private const string Pyxis = "been taking something from the pyxis to get through the week";
    private const string Shifts = "picking up every extra shift so i don't have to think";
    private static readonly string[] Facilitators = [Lee, Kim];
    private static readonly TimeSpan Retention = TimeSpan.FromDays(2);

    // Monday 2 November 2026, 18:00 UTC.
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 18, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "peerbot-e2e-safety", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(Start);
    private readonly LogCollector _logs = new();
    private readonly SlackEmulator _emulator = new();
    private string _configFile = "";
    private IHost? _host;
    private CountingMonitor _observed = null!;
    private string _groupChannel = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _emulator.Time = _time;
        await _emulator.StartAsync();
        _emulator.AddUser(Ana, "ana.r", "ana.r@hospital.org");
        _emulator.AddUser(Benjamin, "benjamin.tran", "benjamin.tran@hospital.org");
        _emulator.AddUser(Cy, "cy.m", "cy.m@hospital.org");
        _emulator.AddUser(Lee, "dr.lee", "sam.lee@hospital.org");
        _emulator.AddUser(Kim, "dr.kim", "jo.kim@hospital.org");
        _configFile = Path.Combine(_folder, "peerbot.json");
        await File.WriteAllTextAsync(_configFile, Config());

        await StartHostAsync();
        await WaitForAsync(() => _emulator.Channels.Any(c => c.Members.Count == 6), "the group's private channel with its members");
        await WaitForAsync(() => new[] { Ana, Benjamin, Cy, Lee, Kim }.All(u => _emulator.DirectMessagesTo(u).Count > 0), "the welcome DMs");
        await QuiesceAsync();
        _groupChannel = _emulator.Channels.Single().Id;
    }

    public async Task DisposeAsync()
    {
        await StopHostAsync();
        await _emulator.DisposeAsync();
        _logs.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Host_SpiralStraddlesARestart_OneAlertToEachFacilitator()
    {
        // Ana in the group and Benjamin anonymously, then the host stops.
        await SayAsync(Ana, "Honestly, what's the point. Nothing will ever change here.");
        _time.Advance(TimeSpan.FromMinutes(2));
        await ShareAnonymouslyAsync(Benjamin, "It feels hopeless on this rotation, nothing we do will ever matter.");
        var kept = await KeptAsync();
        Assert.Equal(2, kept.Count);

        // The anonymous message is counted by its anonymity handle, never Benjamin's ids.
        Assert.Equal("ana", kept[0].Entry.AuthorKey);
        Assert.DoesNotContain(kept, e => e.Entry.AuthorKey.Contains(Benjamin, StringComparison.OrdinalIgnoreCase)
            || e.Entry.AuthorKey.Contains("benjamin", StringComparison.OrdinalIgnoreCase));
        Assert.NotEqual("ana", kept[1].Entry.AuthorKey);
        await QuiesceAsync();
        Assert.Equal(0, SpiralAlertsTo(Lee) + SpiralAlertsTo(Kim));

        await StopHostAsync();
        _time.Advance(TimeSpan.FromMinutes(5));
        await StartHostAsync();

        // The third message after the restart completes the spiral.
        await SayAsync(Cy, "There's no point trying, it never gets better and it never will.");
        await WaitForAsync(() => Facilitators.All(f => SpiralAlertsTo(f) > 0), "the spiral alert to both facilitators");
        await QuiesceAsync();

        foreach (var facilitator in Facilitators)
        {
            Assert.Equal(1, SpiralAlertsTo(facilitator));
        }

        var alert = _emulator.DirectMessagesTo(Lee).Single(m => m.Text.Contains(SpiralAlert, StringComparison.Ordinal));
        Assert.Contains("3 fatalistic messages from 3 people", alert.Text, StringComparison.Ordinal);
        Assert.Contains("Nothing will ever change here", alert.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Benjamin, alert.Text, StringComparison.Ordinal);
        Assert.Empty(await KeptAsync());
        var stored = await _host!.Services.GetRequiredService<IAlertStore>().ListAsync(["tuesday"], includeResolved: true, CancellationToken.None);
        Assert.Single(stored, a => a.Kind == AlertKind.Spiral);
        AssertNoErrorsLogged();
    }

    [Fact]
    public async Task Host_CopingNote_ToThePsychologistOnlyOncePerWeekAcrossARestart()
    {
        var toAna = _emulator.DirectMessagesTo(Ana).Count;
        var toLee = _emulator.DirectMessagesTo(Lee).Count;
        var inGroup = GroupMessages();

        await SayAsync(Ana, Wine);
        await WaitForAsync(() => CopingNotesTo(Kim) == 1, "the coping note to the psychologist");
        await QuiesceAsync();

        // Dr. Kim, the group's psychologist, alone; nothing to the alumni facilitator, to Ana or in the group.
        var note = _emulator.DirectMessagesTo(Kim).Single(m => m.Text.Contains(CopingNote, StringComparison.Ordinal));
        Assert.Contains("Ana R. described coping that may be harming them", note.Text, StringComparison.Ordinal);
        Assert.Contains("Nothing was said to the group or to them.", note.Text, StringComparison.Ordinal);
        Assert.Contains(Wine, note.Text, StringComparison.Ordinal);
        Assert.Equal(toLee, _emulator.DirectMessagesTo(Lee).Count);
        Assert.Equal(toAna, _emulator.DirectMessagesTo(Ana).Count);
        Assert.Equal(inGroup + 1, GroupMessages());
        var alerts = _host!.Services.GetRequiredService<IAlertStore>();
        var stored = Assert.Single(await alerts.ListAsync(["tuesday"], includeResolved: true, CancellationToken.None));
        Assert.Equal((AlertKind.Coping, "ana"), (stored.Kind, stored.AuthorKey));

        // A restart and a day later: Ana's next coping message is not noted again; the note is in /peer flags.
        await StopHostAsync();
        _time.Advance(TimeSpan.FromDays(1));
        await StartHostAsync();
        await SayAsync(Ana, Pyxis);
        await QuiesceAsync();
        Assert.Equal(1, CopingNotesTo(Kim));
        var flags = await ReplyToCommandAsync(Kim, _groupChannel, "flags");
        Assert.Contains(stored.Id, flags, StringComparison.Ordinal);
        Assert.Contains("Coping: a quiet note", flags, StringComparison.Ordinal);
        var ack = await ReplyToCommandAsync(Kim, _groupChannel, "ack " + stored.Id);
        Assert.Contains($"Acknowledged {stored.Id}: coping note in Tuesday Circle", ack, StringComparison.Ordinal);

        // A week after the first note (message times are Slack ts, a little past the clock), the limit has passed.
        _time.Advance(TimeSpan.FromDays(6) + TimeSpan.FromMinutes(1));
        await SayAsync(Ana, Shifts);
        await WaitForAsync(() => CopingNotesTo(Kim) == 2, "the second coping note a week later");
        Assert.Equal(toLee, _emulator.DirectMessagesTo(Lee).Count);
        AssertNoErrorsLogged();
    }

    [Fact]
    public async Task Host_AnonymousCopingPost_NoteNamesNobody()
    {
        var toBenjamin = _emulator.DirectMessagesTo(Benjamin).Count;

        await ShareAnonymouslyAsync(Benjamin, Wine);
        await WaitForAsync(() => CopingNotesTo(Kim) == 1, "the coping note to the psychologist");
        await QuiesceAsync();

        var note = _emulator.DirectMessagesTo(Kim).Single(m => m.Text.Contains(CopingNote, StringComparison.Ordinal));
        Assert.Contains("An anonymous member described coping", note.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Benjamin", note.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Benjamin, note.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(_emulator.DirectMessagesTo(Benjamin).Skip(toBenjamin), m => m.Text.Contains("coping", StringComparison.OrdinalIgnoreCase));
        var stored = Assert.Single(await _host!.Services.GetRequiredService<IAlertStore>().ListAsync(["tuesday"], includeResolved: true, CancellationToken.None));
        Assert.StartsWith("h_", stored.AuthorKey, StringComparison.Ordinal);
        Assert.Null(stored.AuthorPersonId);
        AssertNoErrorsLogged();
    }

    [Fact]
    public async Task Host_RestartAfterTheWindowHasPassed_NoAlert()
    {
        await SayAsync(Ana, "Honestly, what's the point. Nothing will ever change here.");
        _time.Advance(TimeSpan.FromMinutes(2));
        await SayAsync(Benjamin, "It feels hopeless on this rotation, nothing we do will ever matter.");
        Assert.Equal(2, (await KeptAsync()).Count);

        // Back 31 minutes after Benjamin's message: both are out of the 30-minute window.
        await StopHostAsync();
        _time.Advance(TimeSpan.FromMinutes(31));
        await StartHostAsync();

        await SayAsync(Cy, "There's no point trying, it never gets better and it never will.");
        await QuiesceAsync();

        Assert.Equal(0, SpiralAlertsTo(Lee) + SpiralAlertsTo(Kim));
        Assert.Empty(await _host!.Services.GetRequiredService<IAlertStore>().ListAsync(["tuesday"], includeResolved: true, CancellationToken.None));

        // The maintenance passes of the new run have purged the old ones; only Cy's is kept.
        await PassAsync(SafetyMaintenanceService.Interval, () => KeptAsync().GetAwaiter().GetResult().Count == 1, "only Cy's message kept");
        Assert.Equal(["cy"], (await KeptAsync()).Select(e => e.Entry.AuthorKey));
        AssertNoErrorsLogged();
    }

    [Fact]
    public async Task Host_FlagPastExcerptRetention_ExcerptGoneFromTheFilesAndFromFlags()
    {
        // The last message's words are the ones /peer flags shows.
        const string Words = "Honestly what's the point, the Quillfeather rota will never change";
        await SayAsync(Ana, "It feels hopeless on this rotation, nothing we do will ever matter.");
        await SayAsync(Benjamin, "There's no point trying, it never gets better and it never will.");
        await SayAsync(Cy, Words);
        await WaitForAsync(() => Facilitators.All(f => SpiralAlertsTo(f) > 0), "the spiral alert to both facilitators");
        await QuiesceAsync();
        var alerts = _host!.Services.GetRequiredService<IAlertStore>();
        var alert = Assert.Single(await alerts.ListAsync(["tuesday"], includeResolved: true, CancellationToken.None));
        Assert.Contains(Words, alert.Excerpts);

        // Before the retention: in the files and in /peer flags.
        _time.Advance(Retention - TimeSpan.FromHours(1));
        await RunPassNowAsync();
        Assert.True(FilesHold("Quillfeather"), "the excerpt is in the database files before its retention");
        var before = await ReplyToCommandAsync(Lee, _groupChannel, "flags");
        Assert.Contains(alert.Id, before, StringComparison.Ordinal);
        Assert.Contains("Quillfeather", before, StringComparison.Ordinal);

        // Past it: the maintenance service, on the fake clock, empties it at once from both files.
        await PassAsync(
            TimeSpan.FromHours(2),
            () => alerts.FindAsync(alert.Id, CancellationToken.None).GetAwaiter().GetResult()!.ExcerptsPurgedAt is not null,
            "the excerpts purged");
        Assert.False(FilesHold("Quillfeather"), "the excerpt is still in the database files after its retention");
        var after = await ReplyToCommandAsync(Lee, _groupChannel, "flags");
        Assert.Contains(alert.Id, after, StringComparison.Ordinal);
        Assert.Contains("a spiral: 3 messages from 3 people", after, StringComparison.Ordinal);
        Assert.DoesNotContain("Quillfeather", after, StringComparison.Ordinal);
        Assert.DoesNotContain("what's the point", after, StringComparison.Ordinal);
        AssertNoErrorsLogged();
    }

    [Fact]
    public async Task Host_KeptSpiralMessagesPastTheWindow_GoneFromTheFiles()
    {
        await SayAsync(Ana, "Honestly what's the point, the Marrowglen ward will never change");
        _time.Advance(TimeSpan.FromMinutes(1));
        await SayAsync(Benjamin, "It feels hopeless on the Tinderholt rotation, nothing we do will ever matter.");
        Assert.Equal(2, (await KeptAsync()).Count);
        Assert.True(FilesHold("Marrowglen") && FilesHold("Tinderholt"), "the kept messages are in the database files");

        // Inside the window they stay.
        _time.Advance(TimeSpan.FromMinutes(20));
        await RunPassNowAsync();
        Assert.True(FilesHold("Marrowglen") && FilesHold("Tinderholt"), "the kept messages are in the database files within the window");

        // Ana's leaves the window first (31 minutes old), then Benjamin's.
        await PassAsync(TimeSpan.FromMinutes(10), () => KeptAsync().GetAwaiter().GetResult().Count == 1, "Ana's message purged");
        Assert.False(FilesHold("Marrowglen"), "a message out of the window is still in the database files");
        Assert.True(FilesHold("Tinderholt"));
        await PassAsync(TimeSpan.FromMinutes(1), () => KeptAsync().GetAwaiter().GetResult().Count == 0, "Benjamin's message purged");
        Assert.False(FilesHold("Tinderholt"), "a message out of the window is still in the database files");
        Assert.Equal(0, SpiralAlertsTo(Lee) + SpiralAlertsTo(Kim));
        AssertNoErrorsLogged();
    }

    private async Task StartHostAsync()
    {
        var observed = new CountingMonitor();
        var builder = PeerBotHost.CreateBuilder(
            _configFile,
            configuration => configuration.AddInMemoryCollection(_emulator.ConfigurationValues),
            b =>
            {
                b.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time));
                b.Services.AddTestLifetime();
                b.Services.Replace(ServiceDescriptor.Singleton<ExitCodeSink>(new QuietExitCodeSink()));

                // Counts every message the safety engine has finished with, so the test waits on that, not on time.
                b.Services.Replace(ServiceDescriptor.Singleton<ISafetyMonitor>(sp => observed.Over(sp.GetRequiredService<SafetyMonitor>())));

                // The lexicon never sets Coping; these texts stand in for what the coping model flags.
                b.Services.Replace(ServiceDescriptor.Singleton<IMessageClassifier>(sp =>
                    new FakeCopingClassifier(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<PeerBot.Core.Configuration.PeerBotOptions>>().Value.Safety, Wine, Pyxis, Shifts)));

                // The clock jumps by days here; the idle watchdog would read that as silence (see SlackEndToEndTests).
                b.Services.Configure<SlackAdapterOptions>(o => o.IdleTimeout = TimeSpan.FromDays(30));
                b.Logging.AddProvider(_logs);
            });
        _host = builder.Build();
        _observed = observed;
        await _host.StartAsync();
        await _host.Services.GetRequiredService<SocketModeClient>().Ready.WaitAsync(TimeSpan.FromSeconds(20));
        await _host.Services.GetRequiredService<SpiralRestoreService>().Completed.WaitAsync(TimeSpan.FromSeconds(20));
    }

    private async Task StopHostAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
            _host = null;
        }
    }

    /// <summary>A message in the group, returned once the safety engine has finished with it.</summary>
    private async Task SayAsync(string user, string text)
    {
        var seen = _observed.Count;
        await _emulator.InjectMessageAsync(_groupChannel, user, text);
        await _observed.WaitForAsync(seen + 1);
    }

    /// <summary>An anonymous post, returned once it has appeared and the safety engine has finished with it.</summary>
    private async Task ShareAnonymouslyAsync(string user, string text)
    {
        var seen = _observed.Count;
        var assessed = _observed.Assessed.Count;
        var views = _emulator.Views.Count;
        await _emulator.InjectSlashCommandAsync(user, _groupChannel, "share");
        await WaitForAsync(() => _emulator.Views.Count > views, "the share modal");
        await _emulator.SubmitViewAsync(_emulator.Views[^1].Id, user, new Dictionary<string, string> { ["text"] = text });

        // Checked for crisis talk when written, observed when it appears, after its random delay (at most 10 s here).
        await _observed.Assessed.WaitForAsync(assessed + 1);
        await WaitForAsync(() => _host!.Services.GetRequiredService<IAnonymousPostStore>().ListDue(DateTimeOffset.MaxValue).Count > 0, "the post to be stored");
        _time.Advance(TimeSpan.FromSeconds(11));
        await _observed.WaitForAsync(seen + 1);
    }

    private Task<IReadOnlyList<PendingSpiralEntry>> KeptAsync() =>
        _host!.Services.GetRequiredService<ISpiralEntryStore>().ListSinceAsync(DateTimeOffset.MinValue, CancellationToken.None);

    private int SpiralAlertsTo(string user) =>
        _emulator.DirectMessagesTo(user).Count(m => m.Text.Contains(SpiralAlert, StringComparison.Ordinal));

    private int CopingNotesTo(string user) =>
        _emulator.DirectMessagesTo(user).Count(m => m.Text.Contains(CopingNote, StringComparison.Ordinal));

    private int GroupMessages() => _emulator.Channels.Single(c => c.Id == _groupChannel).Messages.Count;

    /// <summary>
    /// Moves the fake clock and waits for a maintenance pass, run by the service's own timer on that clock, after which
    /// the condition holds. A pass already under way when the clock moves may still see the old time; the move has made
    /// the next one due, and the condition tells them apart.
    /// </summary>
    private async Task PassAsync(TimeSpan advance, Func<bool> condition, string what)
    {
        var maintenance = _host!.Services.GetRequiredService<SafetyMaintenanceService>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnPass(object? sender, EventArgs e)
        {
            if (condition())
            {
                done.TrySetResult();
            }
        }

        maintenance.PassCompleted += OnPass;
        try
        {
            _time.Advance(advance);
            await done.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No maintenance pass brought {what}. Log:\n{string.Join("\n", _logs.Lines)}");
        }
        finally
        {
            maintenance.PassCompleted -= OnPass;
        }
    }

    /// <summary>One maintenance pass at the fake clock's time, run here (for what must not have happened yet).</summary>
    private Task RunPassNowAsync() => _host!.Services.GetRequiredService<SafetyMaintenanceService>().RunOnceAsync(CancellationToken.None);

    /// <summary>Whether the database file or LiteDB's log file holds the text (UTF-8 or UTF-16), read while open.</summary>
    private bool FilesHold(string text)
    {
        var bytes = new[] { "peerbot.db", "peerbot-log.db" }.Select(name => Path.Combine(_folder, name)).Where(File.Exists).SelectMany(path =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }).ToArray();
        return bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0 || bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(text)) >= 0;
    }

    /// <summary>Runs a command and returns its ephemeral reply, from the acknowledgement or the response URL.</summary>
    private async Task<string> ReplyToCommandAsync(string user, string channel, string text)
    {
        var ephemeralsBefore = _emulator.Ephemerals.Count;
        var ack = await _emulator.InjectSlashCommandAsync(user, channel, text);
        if (ack?["text"] is { } inAck)
        {
            return inAck.GetValue<string>() + "\n" + ack.ToJsonString();
        }

        await WaitForAsync(() => _emulator.Ephemerals.Skip(ephemeralsBefore).Any(e => e.User == user), $"the reply to /peer {text}");
        var reply = _emulator.Ephemerals.Skip(ephemeralsBefore).First(e => e.User == user);
        return reply.Text + "\n" + string.Join("\n", reply.Blocks?.Select(b => b?.ToJsonString()) ?? []);
    }

    private void AssertNoErrorsLogged() =>
        Assert.DoesNotContain(_logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));

    private Task WaitForAsync(Func<bool> condition, string what) =>
        _emulator.WaitUntilAsync(_ => condition(), TimeSpan.FromSeconds(20), what);

    /// <summary>Waits until the host has gone quiet: no Web API call for a while.</summary>
    private async Task QuiesceAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            var calls = _emulator.Calls.Count;
            try
            {
                await _emulator.WaitUntilAsync(e => e.Calls.Count != calls, TimeSpan.FromMilliseconds(300));
            }
            catch (TimeoutException)
            {
                return;
            }
        }

        throw new TimeoutException("The host never went quiet.");
    }

    private string Config() => new JsonObject
    {
        ["PeerBot"] = new JsonObject
        {
            ["Storage"] = new JsonObject { ["Path"] = Path.Combine(_folder, "peerbot.db") },
            ["TimeZone"] = "UTC",
            ["People"] = new JsonArray(
                Person("ana", "Ana R.", "Resident", 1, Ana),
                Person("benjamin", "Benjamin Tran", "Resident", 2, Benjamin),
                Person("cy", "Cy M.", "Resident", 3, Cy),
                Person("dr-lee", "Dr. Sam Lee", "Alumni", null, Lee),
                Person("dr-kim", "Dr. Jo Kim", "Psychologist", null, Kim)),
            ["Groups"] = new JsonArray(new JsonObject
            {
                ["Id"] = "tuesday",
                ["Name"] = "Tuesday Circle",
                ["Platform"] = "Slack",
                ["Members"] = new JsonArray("ana", "benjamin", "cy"),
                ["Facilitators"] = new JsonArray("dr-lee", "dr-kim"),
                ["Schedule"] = "0 19 * * TUE",
            }),
            ["Anonymity"] = new JsonObject
            {
                ["KeyPath"] = Path.Combine(_folder, "anonymity.key"),
                ["MinDelay"] = "00:00:05",
                ["MaxDelay"] = "00:00:10",
            },
            ["Safety"] = new JsonObject
            {
                ["SpiralWindow"] = "00:30:00",
                ["ExcerptRetention"] = Retention.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            },
        },
    }.ToJsonString();

    private static JsonObject Person(string id, string name, string role, int? pgy, string slack)
    {
        var person = new JsonObject { ["Id"] = id, ["Name"] = name, ["Role"] = role, ["Slack"] = slack };
        if (pgy is { } year)
        {
            person["Pgy"] = year;
        }

        return person;
    }

    /// <summary>The real monitor, counting the messages it has finished with.</summary>
    private sealed class CountingMonitor
    {
        private readonly Lock _gate = new();
        private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
        private int _count;

        /// <summary>Counts texts assessed without being observed (an anonymous post when it is written).</summary>
        public CountingMonitor Assessed => _assessed ??= new CountingMonitor();

        private CountingMonitor? _assessed;

        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _count;
                }
            }
        }

        public ISafetyMonitor Over(ISafetyMonitor inner) => new Counting(inner, this);

        public Task WaitForAsync(int count)
        {
            lock (_gate)
            {
                if (_count >= count)
                {
                    return Task.CompletedTask;
                }

                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, done));
                return done.Task.WaitAsync(TimeSpan.FromSeconds(20));
            }
        }

        private void Finished()
        {
            lock (_gate)
            {
                _count++;
                foreach (var waiter in _waiters.Where(w => w.Count <= _count).ToList())
                {
                    waiter.Done.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }

        private sealed class Counting(ISafetyMonitor inner, CountingMonitor owner) : ISafetyMonitor
        {
            public MessageAssessment Assess(string text)
            {
                try
                {
                    return inner.Assess(text);
                }
                finally
                {
                    owner.Assessed.Finished();
                }
            }

            public async Task<SafetyOutcome> ObserveAsync(ObservedMessage message, CancellationToken cancellationToken)
            {
                try
                {
                    return await inner.ObserveAsync(message, cancellationToken);
                }
                finally
                {
                    owner.Finished();
                }
            }
        }
    }

    private sealed class QuietExitCodeSink : ExitCodeSink
    {
        public override void Set(int exitCode)
        {
            // A fatal Slack error would otherwise set the test process's exit code; the test sees it in the log instead.
        }
    }

    /// <summary>Keeps every log line, as "Level Category: message".</summary>
    private sealed class LogCollector : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(LogCollector owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception)}");
        }
    }
}
