using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace PeerBot.Testing.Hosting;

/// <summary>
/// Moves a host's <see cref="FakeTimeProvider"/> while waiting for an effect: it first waits (on the emulator's state
/// changes, never on a fixed sleep) for the condition, and only when nothing happens for <see cref="Settle"/> moves
/// the clock one step, so backoffs, Retry-After waits, heartbeats and delays run out as fast as the host can follow.
/// <see cref="Timeout"/> (real time) is a safety net that turns a hang into a failure naming what never happened.
/// </summary>
/// <param name="clock">The host's clock.</param>
/// <param name="waitForChange">
/// Waits until the condition holds or the timeout passes (then throws <see cref="TimeoutException"/>), waking on every
/// state change of the emulator, e.g. <c>(c, t) =&gt; discord.WaitUntilAsync(c, t)</c>.
/// </param>
public sealed class ClockDriver(FakeTimeProvider clock, Func<Func<bool>, TimeSpan, Task> waitForChange)
{
    /// <summary>The host's clock.</summary>
    public FakeTimeProvider Clock { get; } = clock;

    /// <summary>How far the clock moves per step unless a call says otherwise.</summary>
    public TimeSpan Step { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long (real time) nothing must happen before the clock is moved.</summary>
    public TimeSpan Settle { get; set; } = TimeSpan.FromMilliseconds(40);

    /// <summary>Real time after which a wait fails.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>What to add to a failure message (recent log lines, emulator state).</summary>
    public Func<string>? Diagnostics { get; set; }

    /// <summary>Waits for a condition without moving the clock.</summary>
    public async Task WaitAsync(Func<bool> condition, string what)
    {
        try
        {
            await waitForChange(condition, Timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Never happened: {what}.{Describe()}");
        }
    }

    /// <summary>Waits for a condition, moving the clock by <paramref name="step"/> whenever the host has gone quiet.</summary>
    /// <param name="condition">What must hold.</param>
    /// <param name="what">Named in the failure.</param>
    /// <param name="step">How far to move per step (default <see cref="Step"/>).</param>
    /// <param name="maxAdvance">How far the clock may move in all before the wait fails (default a day).</param>
    public async Task UntilAsync(Func<bool> condition, string what, TimeSpan? step = null, TimeSpan? maxAdvance = null)
    {
        var by = step ?? Step;
        var limit = maxAdvance ?? TimeSpan.FromDays(1);
        var moved = TimeSpan.Zero;
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await SettledAsync(condition))
            {
                return;
            }

            if (watch.Elapsed > Timeout || moved >= limit)
            {
                throw new TimeoutException($"Never happened: {what} (clock moved {moved} in {watch.Elapsed}).{Describe()}");
            }

            Clock.Advance(by);
            moved += by;
        }
    }

    /// <summary>Moves the clock forward by <paramref name="span"/> in steps, letting the host follow each one.</summary>
    public async Task AdvanceAsync(TimeSpan span, TimeSpan? step = null)
    {
        var by = step ?? Step;
        var target = Clock.GetUtcNow() + span;
        while (Clock.GetUtcNow() < target)
        {
            var left = target - Clock.GetUtcNow();
            Clock.Advance(left < by ? left : by);
            await SettledAsync(() => false);
        }
    }

    private async Task<bool> SettledAsync(Func<bool> condition)
    {
        try
        {
            await waitForChange(condition, Settle);
            return true;
        }
        catch (TimeoutException)
        {
            return condition();
        }
    }

    private string Describe() => Diagnostics is null ? "" : Environment.NewLine + Diagnostics();
}
