using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Tests.Configuration;

public class ConfigurationLoaderTests
{
    private static List<string> Errors(params (string Key, string? Value)[] changes) =>
        ConfigurationLoader.Load(ConfigBuilder.With(changes), _ => false).Errors.Select(e => e.ToString()).ToList();

    private static void AssertOneError(string expectedPath, string expectedFragment, params (string Key, string? Value)[] changes)
    {
        var errors = Errors(changes);
        var error = Assert.Single(errors);
        Assert.StartsWith(expectedPath + ": ", error, StringComparison.Ordinal);
        Assert.Contains(expectedFragment, error, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>For mistakes that rightly lead to a second problem (a duplicate id leaves a member unknown).</summary>
    private static void AssertHasError(string expectedPath, string expectedFragment, params (string Key, string? Value)[] changes) =>
        Assert.Contains(Errors(changes), e => e.StartsWith(expectedPath + ": ", StringComparison.Ordinal)
            && e.Contains(expectedFragment, StringComparison.OrdinalIgnoreCase));

    [Fact]
    public void Load_ValidBaseline_HasNoErrorsAndBindsEverything()
    {
        var result = ConfigurationLoader.Load(ConfigBuilder.With(), _ => false);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(5, result.Options!.People.Count);
        Assert.Equal(["ana", "ben", "cy"], result.Options.Groups[0].Members);
        Assert.Equal(PlatformKind.Sandbox, result.Options.ResolvePlatform(result.Options.Groups[0].Platform));
    }

    [Fact]
    public void Load_SeveralMistakes_ListsEveryOneWithItsPath()
    {
        var errors = Errors(
            ("Groups:0:Members:2", "bne"),
            ("People:1:Pgy", null),
            ("Prompts:Schedule", "every tuesday"),
            ("TimeZone", "Mars/Olympus"));

        Assert.Contains("PeerBot:Groups:0:Members:2: no person with id \"bne\"", errors);
        Assert.Contains(errors, e => e.StartsWith("PeerBot:People:1:Pgy: required for a resident", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("PeerBot:Prompts:Schedule: \"every tuesday\" is not a cron schedule", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("PeerBot:TimeZone: unknown time zone \"Mars/Olympus\"", StringComparison.Ordinal));
        Assert.Equal(4, errors.Count);
    }

    [Fact]
    public void Load_ValuesOfWrongType_ReportsEachWithPathAndLeavesTheDefault()
    {
        var result = ConfigurationLoader.Load(ConfigBuilder.With(
            ("Anonymity:MinDelay", "twenty seconds"),
            ("Safety:SpiralMinMessages", "three"),
            ("People:0:Role", "Intern"),
            ("Anonymity:Review", "maybe")));

        Assert.False(result.IsValid);
        var errors = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Contains(errors, e => e.StartsWith("PeerBot:Anonymity:MinDelay: \"twenty seconds\" is not a duration", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("PeerBot:Safety:SpiralMinMessages: \"three\" is not a whole number", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("PeerBot:People:0:Role: \"Intern\" is not one of Resident, Alumni, Psychologist, Coordinator", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("PeerBot:Anonymity:Review: \"maybe\" is not true or false", StringComparison.Ordinal));
        Assert.Equal(4, errors.Count);

        // Everything that could be read is bound; what could not keeps its default.
        Assert.Equal(TimeSpan.FromSeconds(20), result.Options.Anonymity.MinDelay);
        Assert.Equal(3, result.Options.Safety.SpiralMinMessages);
        Assert.False(result.Options.Anonymity.Review);
        Assert.Equal(["ana", "ben", "cy"], result.Options.Groups[0].Members);
    }

    [Fact]
    public void Load_ValuesThatCannotBeReadAndBrokenRules_ListsEveryOneTogether()
    {
        var errors = Errors(
            ("People:3:Role", "Wizard"),                     // a choice
            ("People:1:Pgy", "second"),                      // a whole number
            ("Anonymity:MaxDelay", "3 minutes"),             // a duration
            ("Anonymity:Enabled", "yes"),                    // a switch
            ("Safety:FatalismThreshold", "high"),            // a number
            ("Groups:0:Platform", "Teams"),                  // an optional choice
            ("TimeZone", "Mars/Olympus"),                    // and the rules, over what could be read
            ("Groups:0:Members:2", "bne"),
            ("Prompts:Schedule", "0 25 * * TUE"),
            ("People:4:Id", "ana"));

        Assert.Equal(
            [
                "PeerBot:Anonymity:Enabled: \"yes\" is not true or false",
                "PeerBot:Anonymity:MaxDelay: \"3 minutes\" is not a duration (hh:mm:ss, or d.hh:mm:ss)",
                "PeerBot:Groups:0:Platform: \"Teams\" is not one of Discord, Slack, Sandbox",
                "PeerBot:People:1:Pgy: \"second\" is not a whole number",
                "PeerBot:People:3:Role: \"Wizard\" is not one of Resident, Alumni, Psychologist, Coordinator",
                "PeerBot:Safety:FatalismThreshold: \"high\" is not a number",
            ],
            errors.Take(6).Order(StringComparer.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("PeerBot:TimeZone: unknown time zone \"Mars/Olympus\"", StringComparison.Ordinal));
        Assert.Contains("PeerBot:Groups:0:Members:2: no person with id \"bne\"", errors);
        Assert.Contains(errors, e => e.StartsWith("PeerBot:Prompts:Schedule: \"0 25 * * TUE\" is not a cron schedule", StringComparison.Ordinal));
        Assert.Contains("PeerBot:People:4:Id: duplicate id \"ana\": each person needs their own id", errors);

        // The duplicate leaves dr-kim's facilitator entry unknown; nothing else is reported.
        Assert.Contains("PeerBot:Groups:0:Facilitators:1: no person with id \"dr-kim\"", errors);
        Assert.Equal(11, errors.Count);
    }

    [Theory]
    [InlineData("People:3:Role", "Wizard", "PeerBot:People:3:Role")]                      // dr-lee: no "resident without a year", no "facilitators are Alumni"
    [InlineData("People:0:Role", "Intern", "PeerBot:People:0:Role")]                      // ana: no "not a resident"
    [InlineData("People:1:Pgy", "second", "PeerBot:People:1:Pgy")]                        // no "required for a resident"
    [InlineData("Anonymity:MinDelay", "soon", "PeerBot:Anonymity:MinDelay", "Anonymity:MaxDelay", "00:00:05")]
    [InlineData("Safety:SpiralMinMessages", "many", "PeerBot:Safety:SpiralMinMessages", "Safety:SpiralMinPeople", "5")]
    [InlineData("Groups:0:Members", "ana", "PeerBot:Groups:0:Members")]                   // no "3 to 8 members"
    [InlineData("Groups:0:Members:1", "{}", "PeerBot:Groups:0:Members:1")]                // keeps its place: no "no person", no shifted paths
    [InlineData("People", "everyone", "PeerBot:People")]                                  // no "no person with id" for every member
    public void Load_ValueThatCannotBeRead_RaisesNoProblemThroughTheDefaultStandingInForIt(string key, string value, string expectedPath, string? otherKey = null, string? otherValue = null)
    {
        var values = ConfigBuilder.ValidBaseline();
        if (value == "{}")
        {
            values[$"PeerBot:{key}:x"] = "ana";
        }
        else if (key is "People" or "Groups:0:Members")
        {
            foreach (var child in values.Keys.Where(k => k.StartsWith($"PeerBot:{key}:", StringComparison.Ordinal)).ToList())
            {
                values.Remove(child);
            }

            values[$"PeerBot:{key}"] = value;
        }
        else
        {
            values[$"PeerBot:{key}"] = value;
        }

        if (otherKey is not null)
        {
            values[$"PeerBot:{otherKey}"] = otherValue;
        }

        var errors = ConfigurationLoader.Load(ConfigBuilder.Build(values), _ => false).Errors;

        var error = Assert.Single(errors);
        Assert.Equal(expectedPath, error.Path);
    }

    [Fact]
    public void Load_UnknownKey_IsWarningNotError()
    {
        var result = ConfigurationLoader.Load(ConfigBuilder.With(("Prompts:Schedual", "0 19 * * TUE")), _ => false);

        Assert.True(result.IsValid);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("PeerBot:Prompts:Schedual", warning.Path);
    }

    [Fact]
    public void Load_ListGivenAsSingleValue_ReportsExpectedList() =>
        Assert.Contains(ConfigurationLoader.Load(ConfigBuilder.Build(new Dictionary<string, string?>(ConfigBuilder.ValidBaseline())
        {
            ["PeerBot:Groups:1:Name"] = "Solo",
            ["PeerBot:Groups:1:Members"] = "ana",
        })).Errors, e => e.Path == "PeerBot:Groups:1:Members" && e.Message.Contains("expected a list", StringComparison.Ordinal));

    [Fact]
    public void Load_SecretOfWrongShape_NeverEchoesTheValue()
    {
        var errors = Errors(("Slack:BotToken", "not-a-real-token-value"), ("Slack:AppToken", "xapp-1-secret-value-123"));

        var error = Assert.Single(errors);
        Assert.StartsWith("PeerBot:Slack:BotToken: does not look like a bot token", error, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-real-token-value", string.Join("\n", errors), StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", string.Join("\n", errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("People:1:Name", "", "PeerBot:People:1:Name", "required")]
    [InlineData("People:1:Pgy", "9", "PeerBot:People:1:Pgy", "not a post-graduate year")]
    [InlineData("People:3:Pgy", "2", "PeerBot:People:3:Pgy", "only residents")]
    [InlineData("People:1:Discord", "Ben Smith!", "PeerBot:People:1:Discord", "neither a Discord user id")]
    [InlineData("People:1:Slack", "ben", "PeerBot:People:1:Slack", "neither a Slack user id")]
    [InlineData("Groups:0:Name", "", "PeerBot:Groups:0:Name", "required")]
    [InlineData("Groups:0:Facilitators:1", "dr-lee", "PeerBot:Groups:0:Facilitators:1", "already listed")]
    [InlineData("Groups:0:Facilitators:0", "nobody", "PeerBot:Groups:0:Facilitators:0", "no person with id \"nobody\"")]
    [InlineData("Groups:0:Schedule", "61 19 * * TUE", "PeerBot:Groups:0:Schedule", "not a cron schedule")]
    [InlineData("Groups:0:TimeZone", "Eastern", "PeerBot:Groups:0:TimeZone", "unknown time zone")]
    [InlineData("Storage:Path", "", "PeerBot:Storage:Path", "required")]
    [InlineData("Prompts:Schedule", "", "PeerBot:Prompts:Schedule", "required")]
    [InlineData("Prompts:LibraryPath", "missing.json", "PeerBot:Prompts:LibraryPath", "no file")]
    [InlineData("Anonymity:KeyPath", "", "PeerBot:Anonymity:KeyPath", "required")]
    [InlineData("Anonymity:MinDelay", "-00:00:01", "PeerBot:Anonymity:MinDelay", "negative")]
    [InlineData("Anonymity:MaxDelay", "00:00:05", "PeerBot:Anonymity:MaxDelay", "shorter than MinDelay")]
    [InlineData("Anonymity:MaxPerDay", "0", "PeerBot:Anonymity:MaxPerDay", "at least 1")]
    [InlineData("Anonymity:MaxLength", "5000", "PeerBot:Anonymity:MaxLength", "1 to 4000")]
    [InlineData("Safety:SpiralWindow", "00:00:00", "PeerBot:Safety:SpiralWindow", "longer than zero")]
    [InlineData("Safety:SpiralMinPeople", "5", "PeerBot:Safety:SpiralMinPeople", "cannot exceed")]
    [InlineData("Safety:SpiralMinPeople", "0", "PeerBot:Safety:SpiralMinPeople", "at least 1")]
    [InlineData("Safety:AlertCooldown", "-01:00:00", "PeerBot:Safety:AlertCooldown", "negative")]
    [InlineData("Safety:CrisisMessage", "", "PeerBot:Safety:CrisisMessage", "required")]
    [InlineData("Safety:ExcerptRetention", "00:00:00", "PeerBot:Safety:ExcerptRetention", "longer than zero")]
    [InlineData("Safety:CopingCooldown", "00:00:00", "PeerBot:Safety:CopingCooldown", "longer than zero")]
    [InlineData("Sandbox:Port", "70000", "PeerBot:Sandbox:Port", "TCP port")]
    [InlineData("Discord:CategoryName", "", "PeerBot:Discord:CategoryName", "required")]
    [InlineData("Discord:ApiBaseUrl", "discord.com/api", "PeerBot:Discord:ApiBaseUrl", "not an absolute")]
    [InlineData("Slack:ApiBaseUrl", "ftp://slack.com/api/", "PeerBot:Slack:ApiBaseUrl", "not an absolute")]
    [InlineData("Discord:GuildId", "peer-support", "PeerBot:Discord:GuildId", "not a Discord server id")]
    [InlineData("Discord:GuildId", "1234567890", "PeerBot:Discord:GuildId", "17 to 20 digits")]
    [InlineData("Slack:AppToken", "xapp-1-A0", "PeerBot:Slack:BotToken", "required when Slack:AppToken is set")]
    [InlineData("Groups:0:Members:3", "ana", "PeerBot:Groups:0:Members:3", "ana is listed twice in this group")]
    [InlineData("Groups:0:Members:3", "BEN", "PeerBot:Groups:0:Members:3", "ben is listed twice in this group")]
    [InlineData("Anonymity:MaxDelay", "1.00:00:01", "PeerBot:Anonymity:MaxDelay", "at most one day")]
    [InlineData("Anonymity:MaxDelay", "2.00:00:00", "PeerBot:Anonymity:MaxDelay", "at most one day")]
    [InlineData("Anonymity:ReviewTimeout", "00:30:00", "PeerBot:Anonymity:ReviewTimeout", "between one hour")]
    [InlineData("Anonymity:ReviewTimeout", "15.00:00:00", "PeerBot:Anonymity:ReviewTimeout", "between one hour")]
    public void Load_OneRuleBroken_ReportsThatRuleAtItsPath(string key, string value, string expectedPath, string expectedFragment) =>
        AssertOneError(expectedPath, expectedFragment, (key, value));

    [Theory]
    [InlineData("People:1:Id", "ana", "PeerBot:People:1:Id", "duplicate id")]
    [InlineData("People:1:Id", "ben smith", "PeerBot:People:1:Id", "may hold only")]
    [InlineData("Groups:0:Members:2", "dr-lee", "PeerBot:Groups:0:Members:2", "not a resident")]
    [InlineData("Groups:0:Facilitators:0", "ana", "PeerBot:Groups:0:Facilitators:0", "facilitators are Alumni or Psychologist")]
    [InlineData("Safety:SpiralMinMessages", "1", "PeerBot:Safety:SpiralMinMessages", "at least 2")]
    public void Load_RuleBrokenWithConsequences_ReportsThatRuleAtItsPath(string key, string value, string expectedPath, string expectedFragment) =>
        AssertHasError(expectedPath, expectedFragment, (key, value));

    [Fact]
    public void Load_GroupOnPlatformNotConfigured_ReportsPlatform() =>
        AssertOneError("PeerBot:Groups:0:Platform", "Slack is not configured", ("Groups:0:Platform", "Slack"), ("Discord:Token", "abc"), ("Discord:GuildId", "123456789012345678"));

    [Fact]
    public void Load_NoPlatformConfigured_SandboxHostsGroupsNamingAPlatform() =>
        Assert.Empty(Errors(("Groups:0:Platform", "Slack")));

    [Fact]
    public void Load_GroupTooSmall_ReportsSize() =>
        AssertOneError("PeerBot:Groups:0:Members", "3 to 8 members", ("Groups:0:Members:2", null));

    [Fact]
    public void Load_GroupWithoutFacilitators_ReportsIt() =>
        AssertOneError("PeerBot:Groups:0:Facilitators", "at least one facilitator", ("Groups:0:Facilitators:0", null), ("Groups:0:Facilitators:1", null));

    [Fact]
    public void Load_DuplicateGroupName_ReportsSecond()
    {
        var values = ConfigBuilder.ValidBaseline();
        values["PeerBot:Groups:1:Name"] = "tuesday circle";
        values["PeerBot:Groups:1:Members:0"] = "ana";
        values["PeerBot:Groups:1:Members:1"] = "ben";
        values["PeerBot:Groups:1:Members:2"] = "cy";
        values["PeerBot:Groups:1:Facilitators:0"] = "dr-lee";

        var error = Assert.Single(ConfigurationLoader.Load(ConfigBuilder.Build(values)).Errors);

        Assert.Equal("PeerBot:Groups:1:Name", error.Path);
    }

    [Fact]
    public void Load_GroupNameOver80Characters_ReportsName() =>
        AssertOneError("PeerBot:Groups:0:Name", "at most 80 characters; this name has 81", ("Groups:0:Name", new string('n', 81)));

    [Fact]
    public void Load_GroupNameOf80Characters_IsValid() =>
        Assert.Empty(Errors(("Groups:0:Name", new string('n', 80))));

    [Fact]
    public void Load_MaxDelayOfExactlyOneDay_IsValid() =>
        Assert.Empty(Errors(("Anonymity:MaxDelay", "1.00:00:00")));

    [Fact]
    public void Load_NoAnonymityDelayAtAll_ReportsMaxDelay() =>
        AssertOneError("PeerBot:Anonymity:MaxDelay", "longer than zero", ("Anonymity:MinDelay", "00:00:00"), ("Anonymity:MaxDelay", "00:00:00"));

    [Fact]
    public void Load_NoShortestDelayButSomeLongest_IsValid() =>
        Assert.Empty(Errors(("Anonymity:MinDelay", "00:00:00"), ("Anonymity:MaxDelay", "00:00:30")));

    [Fact]
    public void Load_DiscordTokenWithMalformedGuild_ReportsGuildId() =>
        AssertOneError("PeerBot:Discord:GuildId", "\"my server\" is not a Discord server id", ("Discord:Token", "abc.def.ghi"), ("Discord:GuildId", "my server"));

    [Fact]
    public void Load_SlackAppTokenOfWrongKind_ReportsPrefixWithoutTheValue()
    {
        var errors = Errors(("Slack:BotToken", "xoxb-1-bot"), ("Slack:AppToken", "xoxp-1-personal-secret"));

        var error = Assert.Single(errors);
        Assert.StartsWith("PeerBot:Slack:AppToken: does not look like an app-level token: it should start with xapp-", error, StringComparison.Ordinal);
        Assert.DoesNotContain("personal-secret", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SlackGroupMemberWithoutSlackHandle_ReportsMember()
    {
        var errors = Errors(("Slack:BotToken", "xoxb-1-bot"), ("Slack:AppToken", "xapp-1-app"), ("People:1:Slack", null), ("People:4:Slack", null));

        Assert.Equal(
            [
                "PeerBot:Groups:0:Members:1: ben is in a Slack group but has no Slack user id or email (People: Slack)",
                "PeerBot:Groups:0:Facilitators:1: dr-kim is in a Slack group but has no Slack user id or email (People: Slack)",
            ],
            errors);
    }

    [Fact]
    public void Load_DiscordTokenWithoutGuild_ReportsGuildId() =>
        AssertOneError("PeerBot:Discord:GuildId", "required when Discord:Token is set", ("Discord:Token", "abc.def.ghi"));

    [Fact]
    public void Load_DiscordTokenWithBotPrefix_ReportsPrefix() =>
        AssertOneError("PeerBot:Discord:Token", "without the \"Bot \" prefix", ("Discord:Token", "Bot abc"), ("Discord:GuildId", "123456789012345678"));

    [Fact]
    public void Load_DiscordGroupMemberWithoutDiscordHandle_ReportsMember()
    {
        var errors = Errors(("Discord:Token", "abc"), ("Discord:GuildId", "123456789012345678"), ("People:0:Discord", null));

        Assert.Single(errors);
        Assert.Contains(errors, e => e.StartsWith("PeerBot:Groups:0:Members:0: ana is in a Discord group but has no Discord", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_SlackHalfConfigured_ReportsMissingToken() =>
        AssertOneError("PeerBot:Slack:AppToken", "required when Slack:BotToken is set", ("Slack:BotToken", "xoxb-1"));

    [Fact]
    public void Load_BothPlatformsAndGroupNamesNone_AsksToChoose()
    {
        var errors = Errors(
            ("Discord:Token", "abc"),
            ("Discord:GuildId", "123456789012345678"),
            ("Slack:BotToken", "xoxb-1"),
            ("Slack:AppToken", "xapp-1"));

        Assert.Contains(errors, e => e.StartsWith("PeerBot:Groups:0:Platform: required when both Discord and Slack are configured", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_FormationWithTooFewLeftOver_ReportsFormation()
    {
        var values = ConfigBuilder.ValidBaseline();
        values["PeerBot:Formation:GroupSize"] = "5";
        values["PeerBot:People:5:Id"] = "dee";
        values["PeerBot:People:5:Name"] = "Dee";
        values["PeerBot:People:5:Role"] = "Resident";
        values["PeerBot:People:5:Pgy"] = "1";

        var error = Assert.Single(ConfigurationLoader.Load(ConfigBuilder.Build(values)).Errors);

        Assert.Equal("PeerBot:Formation", error.Path);
        Assert.Contains("too few to form a group", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FormationWithoutAlumni_ReportsIt()
    {
        var values = ConfigBuilder.ValidBaseline();
        values["PeerBot:Formation:GroupSize"] = "3";
        values["PeerBot:People:3:Role"] = "Psychologist";
        values.Remove("PeerBot:Groups:0:Facilitators:1");
        for (var i = 5; i < 8; i++)
        {
            values[$"PeerBot:People:{i}:Id"] = $"r{i}";
            values[$"PeerBot:People:{i}:Name"] = $"R {i}";
            values[$"PeerBot:People:{i}:Role"] = "Resident";
            values[$"PeerBot:People:{i}:Pgy"] = "1";
        }

        var error = Assert.Single(ConfigurationLoader.Load(ConfigBuilder.Build(values)).Errors);

        Assert.Contains("no one with Role Alumni", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FormationGroupSizeOutOfRange_ReportsIt() =>
        AssertOneError("PeerBot:Formation:GroupSize", "outside 3 to 8", ("Formation:GroupSize", "9"));

    [Theory]
    [InlineData("Groups[2].Members: 'x' is not one of the configured People.", "PeerBot:Groups:2:Members", "'x' is not one of the configured People.")]
    [InlineData("Formation.GroupSize: 12 is outside 3 to 8.", "PeerBot:Formation:GroupSize", "12 is outside 3 to 8.")]
    [InlineData("prompts[3].text: a prompt needs text.", "PeerBot:Prompts:LibraryPath", "prompts[3].text: a prompt needs text.")]
    public void FromFeatureMessage_FeaturePath_BecomesConfigurationPath(string message, string expectedPath, string expectedMessage)
    {
        var problem = ConfigurationLoader.FromFeatureMessage(message);

        Assert.Equal(expectedPath, problem.Path);
        Assert.Equal(expectedMessage, problem.Message);
    }

    [Fact]
    public void Load_PromptLibraryFileInvalid_ReportsUnderLibraryPath()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{ "mode": "replace", "prompts": [ { "id": "p1", "text": "", "themes": ["solutions"] } ] }""");

            var result = ConfigurationLoader.Load(ConfigBuilder.With(("Prompts:LibraryPath", file)));

            Assert.NotEmpty(result.Errors);
            Assert.All(result.Errors, e => Assert.Equal("PeerBot:Prompts:LibraryPath", e.Path));
            Assert.Contains(result.Errors, e => e.Message.Contains("text", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
