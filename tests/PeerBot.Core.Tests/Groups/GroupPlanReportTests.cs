using System.Text.Json;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;

namespace PeerBot.Core.Tests.Groups;

public class GroupPlanReportTests
{
    [Fact]
    public void RenderJson_ExampleConfig_ListsEachGroupWithMembersAndFacilitatorsById()
    {
        var options = GroupPlannerTests.ExampleOptions();

        var report = GroupPlanReport.Build(options, null);
        using var json = JsonDocument.Parse(report.RenderJson());

        var groups = json.RootElement.GetProperty("groups").EnumerateArray().ToList();
        Assert.True(report.IsValid);
        Assert.Equal(4, groups.Count);
        var tuesday = groups[0];
        Assert.Equal("Tuesday Circle", tuesday.GetProperty("name").GetString());
        Assert.Equal("Slack", tuesday.GetProperty("platform").GetString());
        Assert.Equal(["ana", "ben", "cara"], tuesday.GetProperty("members").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["dr-kim", "dr-lee"], tuesday.GetProperty("facilitators").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Night Float", groups[1].GetProperty("name").GetString());

        // The six residents in no explicit group are formed into two mixed groups of three, each with an alumnus and the psychologist.
        var formed = groups.Skip(2).ToList();
        Assert.All(formed, g => Assert.Equal("Discord", g.GetProperty("platform").GetString()));
        Assert.Equal(["gus", "hana", "ian", "jo", "kai", "lou"], formed.SelectMany(g => g.GetProperty("members").EnumerateArray().Select(e => e.GetString())).Order());
        Assert.All(formed, g => Assert.Equal(3, g.GetProperty("members").GetArrayLength()));
        Assert.All(formed, g => Assert.Equal("dr-kim", g.GetProperty("facilitators")[0].GetString()));
        Assert.Equal(["dr-lee", "dr-ortiz"], formed.Select(g => g.GetProperty("facilitators")[1].GetString()).Order());
        var pgy = options.People.ToDictionary(p => p.Id, p => p.Pgy);
        Assert.All(formed, g => Assert.True(g.GetProperty("members").EnumerateArray().Select(m => pgy[m.GetString()!]).Distinct().Count() >= 2));
        Assert.Empty(json.RootElement.GetProperty("changes").EnumerateArray());
        Assert.Empty(json.RootElement.GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public void RenderJson_StoredGroups_ListsWhatWouldChange()
    {
        var options = GroupPlannerTests.ExampleOptions();
        var before = GroupPlanner.Plan(options);
        options.Groups[0].Members = ["ana", "ben", "gus"];
        options.Groups.RemoveAt(1);

        var report = GroupPlanReport.Build(options, GroupPlannerTests.StateAfter(before));
        using var json = JsonDocument.Parse(report.RenderJson());

        var changes = json.RootElement.GetProperty("changes").EnumerateArray()
            .Select(c => (Kind: c.GetProperty("kind").GetString(), Group: c.GetProperty("group").GetString(), Person: c.TryGetProperty("person", out var p) ? p.GetString() : null))
            .ToList();
        Assert.Contains(("group-archived", "Night Float", null), changes);
        Assert.Contains(changes, c => c.Kind == "person-moved" && c.Person == "gus" && c.Group == "Tuesday Circle");
        Assert.Contains(changes, c => c.Kind == "person-moved" && c.Person == "cara");
        Assert.Contains(changes, c => c.Kind == "person-moved" && c.Person == "dev");
        Assert.DoesNotContain(changes, c => c.Person == "ana");

        // Peer Circle 1 lost gus and fell below three, so its two others move too; nobody else who was formed does.
        var movedOutOfFormed = report.Changes.Where(c => c.Kind == "person-moved" && c.From!.StartsWith("Peer Circle", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, movedOutOfFormed.Count);
        Assert.All(movedOutOfFormed, c => Assert.Equal("Peer Circle 1", c.From));
    }

    [Fact]
    public void RenderText_ExampleConfig_NamesGroupsPeopleAndYears()
    {
        var report = GroupPlanReport.Build(GroupPlannerTests.ExampleOptions(), null);

        var text = report.RenderText();

        Assert.StartsWith("4 group(s), 12 resident(s) placed.", text, StringComparison.Ordinal);
        Assert.Contains("Tuesday Circle  [tuesday-circle, Slack, explicit]", text, StringComparison.Ordinal);
        Assert.Contains("facilitators: Dr. Kim (dr-kim, psychologist), Dr. Lee (dr-lee, alumni)", text, StringComparison.Ordinal);
        Assert.Contains("Ana (ana, PGY-1)", text, StringComparison.Ordinal);
        Assert.Contains("Peer Circle 1  [formed-1, Discord, formed]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Changes", text, StringComparison.Ordinal);
    }

    [Fact]
    public void RenderText_InvalidConfig_StartsWithTheErrors()
    {
        var options = GroupPlannerTests.ExampleOptions();
        options.Groups[0].Facilitators.Add("ghost");

        var report = GroupPlanReport.Build(options, null);

        Assert.False(report.IsValid);
        Assert.StartsWith("error: Groups[0].Facilitators: 'ghost' is not one of the configured People.", report.RenderText(), StringComparison.Ordinal);
    }
}
