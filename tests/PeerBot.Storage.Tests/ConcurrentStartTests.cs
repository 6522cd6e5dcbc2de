using PeerBot.Core.Commands;
using PeerBot.Core.Groups;
using PeerBot.Core.Prompts;
using PeerBot.Core.Safety;
using PeerBot.Core.Sharing;
using PeerBot.Storage.Commands;
using PeerBot.Storage.Groups;
using PeerBot.Storage.Prompts;
using PeerBot.Storage.Safety;
using PeerBot.Storage.Sharing;

namespace PeerBot.Storage.Tests;

/// <summary>
/// The host resolves its stores from several background services at once. Every store of one database, opened and
/// first written at the same moment from many threads, must neither throw nor lose a write (LiteDB 5 throws
/// "Collection was modified" when two collections are created at once, and its mapper is not safe to configure from two
/// threads).
/// </summary>
public class ConcurrentStartTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task EveryStore_OpenedAndWrittenAtOnce_ManyTimes_NoneThrowsAndEveryWriteIsKept()
    {
        for (var round = 0; round < 40; round++)
        {
            using var database = PeerBotDatabase.OpenInMemory();
            var writers = new Func<Action>[]
            {
                () => { var s = new LiteDbGroupStore(database); return () => s.SetMemberPause("ana", Now.AddDays(3)); },
                () => { var s = new LiteDbGroupStore(database); return () => s.AppendChange(new GroupChange { GroupId = "g1", At = Now }); },
                () => { var s = new LiteDbPromptStore(database); return () => s.SaveState(new PromptGroupState { Id = "g1" }); },
                () => { var s = new LiteAuthorMuteStore(database); return () => s.Mute("handle", Now.AddDays(1)); },
                () => { var s = new LiteAnonymityKeyRecord(database); return () => s.RecordFingerprint("fingerprint"); },
                () => { var s = new LiteStatsCounters(database); return () => s.Increment("g1", StatKind.Messages, Now); },
                () => { var s = new LiteAuditLog(database); return () => s.Write(new AuditEntry("a1", Now, "ana", "pause", "g1", null, AuditOutcome.Done, null)); },
                () => { var s = new LiteAnonymousPostStore(database); return () => s.Insert(new AnonymousPost("p1", "g1", "handle", "words", AnonymousPostState.Scheduled, Now, Now)); },
                () => { var s = new LiteDbSpiralEntryStore(database); return () => s.AddAsync("g1", new SpiralEntry(Now, "k1", "excerpt", ["lexicon"]), CancellationToken.None).GetAwaiter().GetResult(); },
                () => { var s = new LiteDbAlertStore(database); return () => _ = s.ListUndeliveredAsync(CancellationToken.None).GetAwaiter().GetResult(); },
            };
            using var start = new Barrier(writers.Length);
            using var opened = new CountdownEvent(writers.Length);
            var tasks = writers.Select(open => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    Action write;
                    try
                    {
                        write = open();
                    }
                    finally
                    {
                        // A store that failed to open must not leave the others waiting.
                        opened.Signal();
                    }

                    opened.Wait();
                    write();
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)).ToArray();

            await Task.WhenAll(tasks);

            var groups = new LiteDbGroupStore(database);
            Assert.Equal(Now.AddDays(3), groups.MemberPauses()["ana"]);
            Assert.Single(groups.Changes("g1"));
            Assert.NotNull(new LiteAnonymousPostStore(database).Find("p1"));
            Assert.Equal("fingerprint", new LiteAnonymityKeyRecord(database).Fingerprint);
            Assert.NotNull(new LiteAuthorMuteStore(database).MutedUntil("handle"));
            Assert.Single(await new LiteDbSpiralEntryStore(database).ListSinceAsync(Now.AddDays(-1), CancellationToken.None));
        }
    }
}
