using PeerBot.Reliability.Tests.Fuzzing;

namespace PeerBot.Reliability.Tests.Faults;

/// <summary>
/// What the whole-host fault tests of both platforms share: the seeded script of work and faults, the texts residents
/// write, and the bookkeeping of what must arrive exactly once.
/// </summary>
internal static class HostFaults
{
    /// <summary>Steps of the randomised run: a few seconds by default, twenty times as many with <c>PEERBOT_LONG_TESTS=1</c>.</summary>
    public static int Steps(int byDefault) => Fuzz.Cases(byDefault);

    /// <summary>
    /// Runs the seeded steps of a randomised run through <paramref name="run"/>; a failing step names itself, the seed
    /// and every step before it. Returns the steps taken.
    /// </summary>
    public static async Task<IReadOnlyList<Act>> RunSeededAsync(int seed, int byDefault, Func<Act, Random, Task> run)
    {
        var random = new Random(seed);
        var steps = Steps(byDefault);
        var acts = new List<Act>();
        for (var i = 0; i < steps; i++)
        {
            var act = Next(random);
            acts.Add(act);
            try
            {
                await run(act, random);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"Step {i} ({act}) of seed {seed} failed; steps so far: {string.Join(", ", acts)}", ex);
            }
        }

        return acts;
    }

    /// <summary>Ordinary group talk: nothing here is fatalistic, so only the scripted spirals alert.</summary>
    public static readonly string[] Chatter =
    [
        "Long shift today but the team was great",
        "Anyone up for coffee after rounds tomorrow",
        "Thanks for the tips about night float, they helped",
        "The new attending on nephrology is really supportive",
        "Finally slept eight hours, feeling human again",
        "Presenting at noon conference on Friday, wish me luck",
    ];

    /// <summary>Anonymous shares: heavy, but neither fatalistic nor crisis talk.</summary>
    public static readonly string[] Shares =
    [
        "I keep replaying a hard case from last month and talking about it helps",
        "I cried in the car after my shift and I am not sure who to tell",
        "Sometimes I feel like everyone else learned this faster than I did",
        "I miss my family a lot during these long stretches of nights",
    ];

    /// <summary>Three fatalistic messages by three residents: one spiral, one alert per facilitator.</summary>
    public static readonly string[] Spiral =
    [
        "what's the point of any of this",
        "honestly no point, nothing ever changes here",
        "it's pointless, nothing will ever change, we can't do anything about it",
    ];

    /// <summary>What a step of the randomised run does.</summary>
    public enum Act
    {
        Chat,
        Spiral,
        ShareByForm,
        ShareByMessage,
        Command,
        Prompt,
        Drop,
        Zombie,
        Disconnect,
    }

    /// <summary>Picks the next step: mostly work, a fault about one step in three.</summary>
    public static Act Next(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var roll = random.Next(100);
        return roll switch
        {
            < 24 => Act.Chat,
            < 30 => Act.Spiral,
            < 40 => Act.ShareByForm,
            < 48 => Act.ShareByMessage,
            < 60 => Act.Command,
            < 66 => Act.Prompt,
            < 78 => Act.Drop,
            < 90 => Act.Zombie,
            _ => Act.Disconnect,
        };
    }

    /// <summary>The daily prompt occurrences (19:00 UTC) in (<paramref name="from"/>, <paramref name="to"/>].</summary>
    public static int PromptOccurrences(DateTimeOffset from, DateTimeOffset to)
    {
        var count = 0;
        var day = new DateTimeOffset(from.Year, from.Month, from.Day, 19, 0, 0, TimeSpan.Zero);
        for (; day <= to; day = day.AddDays(1))
        {
            if (day > from)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The next daily prompt occurrence strictly after <paramref name="now"/>.</summary>
    public static DateTimeOffset NextPrompt(DateTimeOffset now)
    {
        var today = new DateTimeOffset(now.Year, now.Month, now.Day, 19, 0, 0, TimeSpan.Zero);
        return today > now ? today : today.AddDays(1);
    }
}
