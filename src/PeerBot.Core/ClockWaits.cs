namespace PeerBot.Core;

/// <summary>
/// Helpers for waits computed on a <see cref="TimeProvider"/>. A wait computed from stored or user data (a pause that
/// ends in weeks or years, a post due far ahead, a configured interval) is never handed to a timer as it is: it goes
/// through <see cref="Capped"/> or <see cref="Until"/>, so a long wait becomes several short ones and no length can make
/// <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/> throw (it refuses anything over about 49.7 days).
/// </summary>
public static class ClockWaits
{
    /// <summary>
    /// The longest single wait a background loop hands a timer: after it the loop looks at the clock (and its data)
    /// again and waits the rest. An hour keeps the wake-ups rare and notices a changed system clock within the hour.
    /// </summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

    /// <summary>The longest wait a timer accepts (<see cref="uint.MaxValue"/> - 1 milliseconds, about 49.7 days).</summary>
    public static readonly TimeSpan MaxTimerWait = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    /// <summary>
    /// A wait rounded up to whole milliseconds (zero when not positive). Timers on a <see cref="TimeProvider"/> (and
    /// <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/>) drop the fraction of a millisecond, so a wait
    /// until a due time computed as a difference of times would end just before it, find nothing due, and spin on
    /// zero-length waits until the clock moved (for ever on a fake clock). Rounding up wakes at or after the due time.
    /// Not capped: a wait computed from data goes through <see cref="Capped"/> or <see cref="Until"/> instead.
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

    /// <summary>
    /// A wait safe to hand a timer: rounded up to whole milliseconds (<see cref="WholeMilliseconds"/>), zero when not
    /// positive, and at most <paramref name="max"/> (default <see cref="MaxWait"/>; never more than
    /// <see cref="MaxTimerWait"/>). <see cref="Timeout.InfiniteTimeSpan"/> counts as longer than any cap. A caller whose
    /// wait was cut short looks again when it ends and waits the rest.
    /// </summary>
    /// <param name="wait">The wait wanted, from any data.</param>
    /// <param name="max">The longest single wait; non-positive values are treated as one millisecond.</param>
    /// <returns>A wait between zero and the cap, in whole milliseconds.</returns>
    public static TimeSpan Capped(TimeSpan wait, TimeSpan? max = null)
    {
        var cap = WholeMilliseconds(max ?? MaxWait);
        cap = cap <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : cap > MaxTimerWait ? MaxTimerWait : cap;
        if (wait == Timeout.InfiniteTimeSpan)
        {
            return cap;
        }

        var rounded = WholeMilliseconds(wait);
        return rounded > cap ? cap : rounded;
    }

    /// <summary>
    /// The wait from <paramref name="now"/> until <paramref name="due"/>, safe to hand a timer (<see cref="Capped"/>):
    /// zero when the due time has passed, whole milliseconds, at most <paramref name="max"/>. Any two times work, from
    /// <see cref="DateTimeOffset.MinValue"/> to <see cref="DateTimeOffset.MaxValue"/>.
    /// </summary>
    /// <param name="due">When the caller has something to do, read from stored or user data.</param>
    /// <param name="now">The current time.</param>
    /// <param name="max">The longest single wait (default <see cref="MaxWait"/>).</param>
    public static TimeSpan Until(DateTimeOffset due, DateTimeOffset now, TimeSpan? max = null) =>
        due <= now ? TimeSpan.Zero : Capped(due - now, max);

    /// <summary>
    /// The wait before retrying after <paramref name="failures"/> failures in a row: <paramref name="first"/>, doubled
    /// for each further failure, at most <paramref name="max"/> (and at most <see cref="MaxTimerWait"/>); zero for none.
    /// </summary>
    /// <param name="failures">Failures in a row, counting the last one.</param>
    /// <param name="first">The wait after the first failure.</param>
    /// <param name="max">The longest wait.</param>
    public static TimeSpan Backoff(int failures, TimeSpan first, TimeSpan max)
    {
        if (failures <= 0 || first <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var cap = max <= TimeSpan.Zero ? first : max;
        cap = cap > MaxTimerWait ? MaxTimerWait : cap;
        var milliseconds = first.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 40));
        return milliseconds >= cap.TotalMilliseconds ? WholeMilliseconds(cap) : WholeMilliseconds(TimeSpan.FromMilliseconds(milliseconds));
    }
}
