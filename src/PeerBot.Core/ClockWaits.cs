namespace PeerBot.Core;

/// <summary>Helpers for waits computed on a <see cref="TimeProvider"/>.</summary>
public static class ClockWaits
{
    /// <summary>
    /// A wait rounded up to whole milliseconds (zero when not positive). Timers on a <see cref="TimeProvider"/> (and
    /// <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/>) drop the fraction of a millisecond, so a wait
    /// until a due time computed as a difference of times would end just before it, find nothing due, and spin on
    /// zero-length waits until the clock moved (for ever on a fake clock). Rounding up wakes at or after the due time.
    /// </summary>
    /// <param name="wait">The wait, usually a due time minus now.</param>
    /// <returns>The wait in whole milliseconds, never shorter than <paramref name="wait"/>.</returns>
    public static TimeSpan WholeMilliseconds(TimeSpan wait)
    {
        if (wait <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        // Above this a whole-millisecond rounding could overflow; such a wait is capped by its caller anyway.
        if (wait >= TimeSpan.MaxValue - TimeSpan.FromMilliseconds(1))
        {
            return wait;
        }

        var milliseconds = (wait.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        return TimeSpan.FromTicks(milliseconds * TimeSpan.TicksPerMillisecond);
    }
}
