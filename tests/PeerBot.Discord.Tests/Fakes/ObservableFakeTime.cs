using Microsoft.Extensions.Time.Testing;

namespace PeerBot.Discord.Tests.Fakes;

/// <summary>
/// A fake clock that counts the timers set on it shorter than a limit, so a test can advance time only once
/// the code under test is actually waiting (a timer set just after an advance would otherwise start late).
/// </summary>
internal sealed class ObservableFakeTime(TimeSpan shortTimer) : FakeTimeProvider
{
    private int _shortTimers;

    public int ShortTimers => Volatile.Read(ref _shortTimers);

    public Action Changed { get; set; } = () => { };

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime > TimeSpan.Zero && dueTime <= shortTimer)
        {
            Interlocked.Increment(ref _shortTimers);
            Changed();
        }

        return timer;
    }
}
