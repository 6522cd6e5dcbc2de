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
        CheckZone("TimeZone", options.TimeZone);
        CheckCron("Prompts.Schedule", options.Prompts.Schedule);
        if (options.Prompts.CheckInSchedule is not null)
        {
            CheckCron("Prompts.CheckInSchedule", options.Prompts.CheckInSchedule);
        }

        if (options.Prompts.CheckInWindow <= TimeSpan.Zero)
        {
            errors.Add("Prompts.CheckInWindow: must be longer than zero.");
        }

        for (var i = 0; i < options.Groups.Count; i++)
        {
            var group = options.Groups[i];
            if (group.Schedule is not null)
            {
                CheckCron($"Groups[{i}].Schedule", group.Schedule);
            }

            if (group.TimeZone is not null)
            {
                CheckZone($"Groups[{i}].TimeZone", group.TimeZone);
            }
        }

        return errors;

        void CheckCron(string path, string cron)
        {
            var parsed = CronSchedule.Parse(cron, "UTC");
            if (!parsed.Succeeded)
            {
                errors.Add($"{path}: {parsed.Error}");
            }
        }

        void CheckZone(string path, string zone)
        {
            var parsed = CronSchedule.Parse("0 0 * * *", zone);
            if (!parsed.Succeeded)
            {
                errors.Add($"{path}: {parsed.Error}");
            }
        }
    }
}
