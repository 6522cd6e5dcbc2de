using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Tests.Groups;

public class GroupPlannerTests
{
    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 1; seed <= 60; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    internal static PeerBotOptions RandomRoster(Random random, int residents, int alumni, int psychologists, int groupSize)
    {
        var options = new PeerBotOptions { Formation = new FormationOptions { Platform = PlatformKind.Discord, GroupSize = groupSize } };
        for (var i = 0; i < residents; i++)
        {
            options.People.Add(new PersonOptions { Id = $"r{i:D3}", Name = $"Resident {i}", Role = PersonRole.Resident, Pgy = random.Next(1, 5) });
        }

        for (var i = 0; i < alumni; i++)
        {
            options.People.Add(new PersonOptions { Id = $"al{i:D2}", Name = $"Alum {i}", Role = PersonRole.Alumni });
        }

        for (var i = 0; i < psychologists; i++)
        {
            options.People.Add(new PersonOptions { Id = $"ps{i:D2}", Name = $"Psych {i}", Role = PersonRole.Psychologist });
        }

        // Shuffle so nothing depends on the order people are written in.
        options.People = options.People.OrderBy(_ => random.Next()).ToList();
        return options;
    }

    internal static PlanningState StateAfter(GroupPlan plan, IEnumerable<string>? paused = null) =>
        new(
            plan.Groups.Select(g => new GroupRecord
            {
                Id = g.Id,
                Name = g.Name,
                Platform = g.Platform,
                IsFormed = g.IsFormed,
                PlannedMemberIds = g.MemberIds.ToList(),
                PlannedFacilitatorIds = g.FacilitatorIds.ToList(),
            }).ToList(),
            plan.FormationAssignments,
            (paused ?? []).ToList());

    private static void AssertFormationProperties(PeerBotOptions options, GroupPlan plan, bool fresh)
    {
        Assert.Empty(plan.Errors);
        var residents = options.People.Where(p => p.Role == PersonRole.Resident).ToList();
        var formed = plan.Groups.Where(g => g.IsFormed).ToList();

        // Everyone placed exactly once.
        var placed = formed.SelectMany(g => g.MemberIds).ToList();
        Assert.Equal(residents.Count, placed.Count);
        Assert.Equal(residents.Select(r => r.Id).Order(), placed.Order());

        // Never a group of one or two.
        Assert.All(formed, g => Assert.True(g.MemberIds.Count >= GroupPlanner.MinGroupSize, $"{g.Id} has {g.MemberIds.Count} members"));
        var size = options.Formation!.GroupSize;
        if (fresh)
        {
            Assert.True(formed.Max(g => g.MemberIds.Count) - formed.Min(g => g.MemberIds.Count) <= 1);
            Assert.All(formed, g => Assert.True(g.MemberIds.Count <= (2 * size) - 1, $"{g.Id} has {g.MemberIds.Count} members for size {size}"));
        }

        // Juniors meet seniors wherever the roster has enough seniors.
        var pgy = residents.ToDictionary(r => r.Id, r => r.Pgy!.Value);
        if (residents.Count(r => r.Pgy >= 2) >= formed.Count)
        {
            Assert.All(formed, g => Assert.Contains(g.MemberIds, m => pgy[m] >= 2));
        }

        // Facilitators spread evenly, psychologists first.
        foreach (var role in new[] { PersonRole.Alumni, PersonRole.Psychologist })
        {
            var pool = options.People.Where(p => p.Role == role).Select(p => p.Id).ToHashSet();
            if (pool.Count == 0)
            {
                Assert.All(formed, g => Assert.DoesNotContain(g.FacilitatorIds, pool.Contains));
                continue;
            }

            Assert.All(formed, g => Assert.Contains(g.FacilitatorIds, pool.Contains));
            var perGroup = formed.Select(g => g.FacilitatorIds.Count(pool.Contains)).ToList();
            Assert.True(perGroup.Max() - perGroup.Min() <= 1);
            var load = pool.Select(id => formed.Count(g => g.FacilitatorIds.Contains(id))).ToList();
            Assert.True(load.Max() - load.Min() <= 1, $"{role} loads {string.Join(",", load)}");
        }

        var roleOf = options.People.ToDictionary(p => p.Id, p => p.Role);
        Assert.All(formed, g => Assert.Equal(
            g.FacilitatorIds.OrderBy(f => roleOf[f] == PersonRole.Psychologist ? 0 : 1),
            g.FacilitatorIds));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Plan_RandomRoster_MeetsFormationProperties(int seed)
    {
        var random = new Random(seed);

        // Every other seed has no alumni, every third no psychologist.
        var alumni = seed % 2 == 0 ? 0 : random.Next(1, 6);
        var psychologists = seed % 3 == 0 ? 0 : random.Next(1, 4);
        var options = RandomRoster(random, random.Next(3, 201), alumni, psychologists, random.Next(3, 9));

        var plan = GroupPlanner.Plan(options);

        AssertFormationProperties(options, plan, fresh: true);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(17)]
    [InlineData(199)]
    [InlineData(200)]
    public void Plan_BoundaryRosterSizes_MeetFormationPropertiesForEveryGroupSize(int residents)
    {
        for (var size = GroupPlanner.MinGroupSize; size <= GroupPlanner.MaxGroupSize; size++)
        {
            var options = RandomRoster(new Random((residents * 10) + size), residents, 2, 1, size);

            AssertFormationProperties(options, GroupPlanner.Plan(options), fresh: true);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Plan_SameConfigAnyOrder_SameGroups(int seed)
    {
        var random = new Random(seed);
        var options = RandomRoster(random, random.Next(3, 201), random.Next(0, 4), random.Next(0, 3), random.Next(3, 9));
        var reordered = new PeerBotOptions { Formation = options.Formation, People = options.People.AsEnumerable().Reverse().ToList() };

        var first = GroupPlanner.Plan(options);
        var second = GroupPlanner.Plan(options);
        var third = GroupPlanner.Plan(reordered);

        Assert.Equal(Describe(first), Describe(second));
        Assert.Equal(Describe(first), Describe(third));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Plan_OneResidentAdded_NobodyElseMoves(int seed)
    {
        var random = new Random(seed);
        var options = RandomRoster(random, random.Next(3, 201), random.Next(0, 4), random.Next(0, 3), random.Next(3, 9));
        var before = GroupPlanner.Plan(options);

        options.People.Add(new PersonOptions { Id = "newcomer", Name = "New", Role = PersonRole.Resident, Pgy = random.Next(1, 5) });
        var after = GroupPlanner.Plan(options, StateAfter(before));

        AssertFormationProperties(options, after, fresh: false);
        foreach (var (person, group) in before.FormationAssignments)
        {
            Assert.Equal(group, after.FormationAssignments[person]);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Plan_OneResidentRemoved_OnlyTheirGroupChanges(int seed)
    {
        var random = new Random(seed);
        var options = RandomRoster(random, random.Next(4, 201), random.Next(0, 4), random.Next(0, 3), random.Next(3, 9));
        var before = GroupPlanner.Plan(options);
        var residents = options.People.Where(p => p.Role == PersonRole.Resident).ToList();
        var leaving = residents[random.Next(residents.Count)];
        var leftGroup = before.FormationAssignments[leaving.Id];

        options.People.Remove(leaving);
        var after = GroupPlanner.Plan(options, StateAfter(before));

        AssertFormationProperties(options, after, fresh: false);
        var movedElsewhere = before.FormationAssignments
            .Where(a => a.Key != leaving.Id && a.Value != leftGroup && after.FormationAssignments[a.Key] != a.Value)
            .ToList();

        // At most one senior may be lent to the group that lost its only senior, so juniors still meet a senior.
        Assert.True(movedElsewhere.Count <= 1, $"moved: {string.Join(", ", movedElsewhere.Select(m => m.Key))}");
    }

    [Fact]
    public void Plan_PausedResident_LeftOutAndReturnsToTheSameGroup()
    {
        var options = RandomRoster(new Random(7), 20, 2, 1, 5);
        var before = GroupPlanner.Plan(options);
        var person = before.Groups[0].MemberIds[0];

        var paused = GroupPlanner.Plan(options, StateAfter(before, [person]));
        var resumed = GroupPlanner.Plan(options, StateAfter(paused));

        Assert.DoesNotContain(paused.Groups, g => g.MemberIds.Contains(person));
        Assert.Equal(before.FormationAssignments[person], paused.FormationAssignments[person]);
        Assert.Equal(before.FormationAssignments[person], resumed.FormationAssignments[person]);
        Assert.Equal(Describe(before), Describe(resumed));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Plan_OneResidentPaused_NobodyElseMoves(int seed)
    {
        var random = new Random(seed);
        var options = RandomRoster(random, random.Next(3, 201), random.Next(0, 4), random.Next(0, 3), random.Next(3, 9));
        var before = GroupPlanner.Plan(options);
        var residents = options.People.Where(p => p.Role == PersonRole.Resident).ToList();
        var pausing = residents[random.Next(residents.Count)].Id;

        var during = GroupPlanner.Plan(options, StateAfter(before, [pausing]));
        var after = GroupPlanner.Plan(options, StateAfter(during));

        Assert.Empty(during.Errors);
        Assert.DoesNotContain(during.Groups, g => g.MemberIds.Contains(pausing));
        Assert.Equal(before.FormationAssignments, during.FormationAssignments);
        Assert.Equal(before.FormationAssignments, after.FormationAssignments);
        Assert.Equal(before.Groups.Select(g => g.Id), during.Groups.Select(g => g.Id));
    }

    [Fact]
    public void Plan_OnlySeniorOfAGroupPaused_NoSeniorIsMovedIn()
    {
        var options = new PeerBotOptions { Formation = new FormationOptions { GroupSize = 3 } };
        string[] ids = ["a", "b", "c", "d", "e", "f"];
        int[] years = [3, 1, 1, 2, 2, 1];
        for (var i = 0; i < ids.Length; i++)
        {
            options.People.Add(new PersonOptions { Id = ids[i], Name = ids[i], Role = PersonRole.Resident, Pgy = years[i] });
        }

        var before = GroupPlanner.Plan(options);
        var lone = before.Groups.Single(g => g.MemberIds.Count(m => years[Array.IndexOf(ids, m)] >= 2) == 1);
        var senior = lone.MemberIds.Single(m => years[Array.IndexOf(ids, m)] >= 2);

        var during = GroupPlanner.Plan(options, StateAfter(before, [senior]));

        Assert.Equal(before.FormationAssignments, during.FormationAssignments);
    }

    [Fact]
    public void Plan_WholeGroupPaused_GroupIsKeptEmptyForTheirReturn()
    {
        var options = RandomRoster(new Random(3), 9, 1, 0, 3);
        var before = GroupPlanner.Plan(options);
        var group = before.Groups[1];

        var during = GroupPlanner.Plan(options, StateAfter(before, group.MemberIds));

        Assert.Empty(during.Groups.Single(g => g.Id == group.Id).MemberIds);
        Assert.Equal(before.Groups.Where(g => g.Id != group.Id).Select(g => g.MemberIds), during.Groups.Where(g => g.Id != group.Id).Select(g => g.MemberIds));
    }

    [Fact]
    public void Plan_OnlyJuniorsAndFewSeniors_SpreadsTheSeniors()
    {
        var options = new PeerBotOptions { Formation = new FormationOptions { GroupSize = 4 } };
        for (var i = 0; i < 10; i++)
        {
            options.People.Add(new PersonOptions { Id = $"j{i}", Name = $"J{i}", Role = PersonRole.Resident, Pgy = 1 });
        }

        options.People.Add(new PersonOptions { Id = "s1", Name = "S1", Role = PersonRole.Resident, Pgy = 3 });
        options.People.Add(new PersonOptions { Id = "s2", Name = "S2", Role = PersonRole.Resident, Pgy = 2 });
        options.People.Add(new PersonOptions { Id = "s3", Name = "S3", Role = PersonRole.Resident, Pgy = 2 });

        var plan = GroupPlanner.Plan(options);

        Assert.Equal(3, plan.Groups.Count);
        Assert.All(plan.Groups, g => Assert.Single(g.MemberIds, m => m.StartsWith('s')));
    }

    [Fact]
    public void Plan_ExplicitGroupsAndFormation_FormsOnlyTheRestAndChecksRoles()
    {
        var options = ExampleOptions();

        var plan = GroupPlanner.Plan(options);

        Assert.Empty(plan.Errors);
        var explicitMembers = plan.Groups.Where(g => !g.IsFormed).SelectMany(g => g.MemberIds).ToHashSet();
        Assert.All(plan.Groups.Where(g => g.IsFormed).SelectMany(g => g.MemberIds), m => Assert.DoesNotContain(m, explicitMembers));
        Assert.Equal("tuesday-circle", plan.Groups[0].Id);
        Assert.Equal(["dr-kim", "dr-lee"], plan.Groups[0].FacilitatorIds);
    }

    [Fact]
    public void Plan_BadReferences_ListsEveryProblemWithItsPath()
    {
        var options = ExampleOptions();
        options.Groups[0].Members.Add("nobody");
        options.Groups[1].Members.Add("ana");
        options.Groups[1].Facilitators.Add("ben");
        options.Formation!.GroupSize = 12;

        var plan = GroupPlanner.Plan(options);

        Assert.Contains("Groups[0].Members: 'nobody' is not one of the configured People.", plan.Errors);
        Assert.Equal(3, plan.Errors.Count);
        Assert.Contains(plan.Errors, e => e.StartsWith("Groups[1].Facilitators: 'ben'", StringComparison.Ordinal));
        Assert.Contains(plan.Errors, e => e.StartsWith("Formation.GroupSize: 12", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_ResidentInTwoExplicitGroups_IsMemberOfBoth()
    {
        var options = ExampleOptions();
        var first = options.Groups[0].Members[0];
        options.Groups[1].Members.Add(first);

        var plan = GroupPlanner.Plan(options);

        Assert.Empty(plan.Errors);
        Assert.Equal(2, plan.Groups.Count(g => g.MemberIds.Contains(first)));
        Assert.DoesNotContain(plan.Groups.Where(g => g.IsFormed), g => g.MemberIds.Contains(first));
    }

    [Fact]
    public void Plan_FacilitatorNotOnFormationPlatform_IsNotAssignedThere()
    {
        var options = GroupPlannerTests.ExampleOptions();
        foreach (var person in options.People)
        {
            person.Discord = person.Id == "dr-lee" ? null : "name-" + person.Id;
            person.Slack = "U-" + person.Id;
        }

        options.People.Single(p => p.Id == "jo").Discord = null;
        var plan = GroupPlanner.Plan(options);

        var formed = plan.Groups.Where(g => g.IsFormed).ToList();
        Assert.All(formed, g => Assert.DoesNotContain("dr-lee", g.FacilitatorIds));
        Assert.All(formed, g => Assert.Contains("dr-ortiz", g.FacilitatorIds));
        Assert.Contains(plan.Warnings, w => w.Contains("jo has no Discord id or name", StringComparison.Ordinal));
        Assert.Empty(plan.Errors);
    }

    [Fact]
    public void Plan_ExplicitGroupRenamed_KeepsItsId()
    {
        var options = ExampleOptions();
        var before = GroupPlanner.Plan(options);

        options.Groups[0].Name = "Tuesday Night Circle";
        var after = GroupPlanner.Plan(options, StateAfter(before));

        Assert.Equal(before.Groups[0].Id, after.Groups[0].Id);
        Assert.Equal("Tuesday Night Circle", after.Groups[0].Name);
    }

    [Fact]
    public void Plan_BothPlatformsAndNoneChosen_IsAnError()
    {
        var options = ExampleOptions();
        options.Discord.Token = "t";
        options.Slack.BotToken = "b";
        options.Slack.AppToken = "a";
        options.Groups[1].Platform = null;

        var plan = GroupPlanner.Plan(options);

        Assert.Contains(plan.Errors, e => e.StartsWith("Groups[1].Platform:", StringComparison.Ordinal));
    }

    /// <summary>The example configuration: a dozen residents PGY 1 to 3, two alumni, one psychologist, two explicit groups.</summary>
    internal static PeerBotOptions ExampleOptions()
    {
        var options = new PeerBotOptions
        {
            TimeZone = "America/New_York",
            Formation = new FormationOptions { Platform = PlatformKind.Discord, GroupSize = 4 },

            // Both platforms configured (with no platform configured, the sandbox hosts every group).
            Discord = new DiscordOptions { Token = "test-token", GuildId = "123456789012345678" },
            Slack = new SlackOptions { BotToken = "xoxb-test", AppToken = "xapp-test" },
        };
        string[] names = ["ana", "ben", "cara", "dev", "eli", "fay", "gus", "hana", "ian", "jo", "kai", "lou"];
        for (var i = 0; i < names.Length; i++)
        {
            options.People.Add(new PersonOptions { Id = names[i], Name = char.ToUpperInvariant(names[i][0]) + names[i][1..], Role = PersonRole.Resident, Pgy = (i % 3) + 1 });
        }

        options.People.Add(new PersonOptions { Id = "dr-lee", Name = "Dr. Lee", Role = PersonRole.Alumni });
        options.People.Add(new PersonOptions { Id = "dr-ortiz", Name = "Dr. Ortiz", Role = PersonRole.Alumni });
        options.People.Add(new PersonOptions { Id = "dr-kim", Name = "Dr. Kim", Role = PersonRole.Psychologist });
        options.Groups.Add(new GroupOptions { Name = "Tuesday Circle", Platform = PlatformKind.Slack, Members = ["ana", "ben", "cara"], Facilitators = ["dr-lee", "dr-kim"], Schedule = "0 19 * * TUE" });
        options.Groups.Add(new GroupOptions { Name = "Night Float", Platform = PlatformKind.Discord, Members = ["dev", "eli", "fay"], Facilitators = ["dr-ortiz"] });
        return options;
    }

    private static string Describe(GroupPlan plan) =>
        string.Join("\n", plan.Groups.Select(g => $"{g.Id}|{g.Name}|{string.Join(",", g.MemberIds)}|{string.Join(",", g.FacilitatorIds)}"));
}
