using PeerBot.Core.Groups;

namespace PeerBot.Core.Tests.Groups;

public class GroupsOptionsValidatorTests
{
    [Fact]
    public void Validate_ExampleConfig_Succeeds()
    {
        var result = new GroupsOptionsValidator().Validate(null, GroupPlannerTests.ExampleOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Errors_BadSchedulesAndZones_NameTheirPaths()
    {
        var options = GroupPlannerTests.ExampleOptions();
        options.TimeZone = "Atlantis/Capital";
        options.Groups[0].Schedule = "61 19 * * TUE";
        options.Prompts.CheckInSchedule = "nope";
        options.Prompts.CheckInWindow = TimeSpan.Zero;

        var errors = GroupsOptionsValidator.Errors(options);

        Assert.Contains(errors, e => e.StartsWith("TimeZone: 'Atlantis/Capital' is not a known IANA time zone", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Groups[0].Schedule: '61 19 * * TUE' is not a valid five-field cron schedule", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Prompts.CheckInSchedule: 'nope'", StringComparison.Ordinal));
        Assert.Contains("Prompts.CheckInWindow: must be longer than zero.", errors);
    }

    [Fact]
    public void Errors_DuplicateGroupNamesAndBadId_AreListed()
    {
        var options = GroupPlannerTests.ExampleOptions();
        options.Groups[1].Name = "tuesday circle";
        options.Groups[1].Id = "formed-9";

        var errors = GroupsOptionsValidator.Errors(options);

        Assert.Contains("Groups: the name 'Tuesday Circle' is used by more than one group.", errors);
        Assert.Contains(errors, e => e.StartsWith("Groups[1].Id: 'formed-9' must use letters", StringComparison.Ordinal));
    }
}
