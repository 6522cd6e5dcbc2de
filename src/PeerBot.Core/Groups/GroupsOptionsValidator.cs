using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Prompts;

namespace PeerBot.Core.Groups;

/// <summary>Validates groups, formation and schedules at start; every problem is named with its config path.</summary>
public sealed class GroupsOptionsValidator : IValidateOptions<PeerBotOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PeerBotOptions options)
    {
        var errors = Errors(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Every problem with the groups part of the configuration, each starting with its config path.</summary>
    public static IReadOnlyList<string> Errors(PeerBotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>(GroupPlanner.Plan(options).Errors);
        Check("Prompts.Schedule", options.Prompts.Schedule, options.TimeZone, "TimeZone");
        if (options.Prompts.CheckInSchedule is not null)
        {
            Check("Prompts.CheckInSchedule", options.Prompts.CheckInSchedule, options.TimeZone, "TimeZone");
        }

        if (options.Prompts.CheckInWindow <= TimeSpan.Zero)
        {
            errors.Add("Prompts.CheckInWindow: must be longer than zero.");
        }

        for (var i = 0; i < options.Groups.Count; i++)
        {
            var group = options.Groups[i];
            if (group.Schedule is not null || group.TimeZone is not null)
            {
                Check($"Groups[{i}].Schedule", group.Schedule ?? options.Prompts.Schedule, group.TimeZone ?? options.TimeZone, $"Groups[{i}].TimeZone");
            }
        }

        return errors;

        void Check(string path, string cron, string zone, string zonePath)
        {
            var parsed = CronSchedule.Parse(cron, zone);
            if (!parsed.Succeeded)
            {
                var where = parsed.Error!.Contains("time zone", StringComparison.Ordinal) ? zonePath : path;
                var error = $"{where}: {parsed.Error}";
                if (!errors.Contains(error))
                {
                    errors.Add(error);
                }
            }
        }
    }
}
