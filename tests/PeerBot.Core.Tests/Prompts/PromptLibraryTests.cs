using PeerBot.Core.Configuration;
using PeerBot.Core.Prompts;

namespace PeerBot.Core.Tests.Prompts;

public class PromptLibraryTests
{
    [Fact]
    public void BuiltIn_Library_HasSixtyOrMoreUniqueTaggedPrompts()
    {
        var prompts = PromptLibrary.BuiltIn.Prompts;

        Assert.True(prompts.Count >= 60, $"{prompts.Count} prompts");
        Assert.Equal(prompts.Count, prompts.Select(p => p.Id).Distinct().Count());
        Assert.All(prompts, p => Assert.NotEmpty(p.Themes));
        Assert.All(prompts, p => Assert.InRange(p.Text.Length, 20, PromptLibrary.MaxTextLength));
        foreach (var theme in Enum.GetValues<PromptTheme>())
        {
            Assert.True(prompts.Count(p => p.Has(theme)) >= 5, $"theme {theme}");
        }
    }

    [Fact]
    public void BuiltIn_Library_InvitesSeniorsAndAlumniAndTurnsTowardControl()
    {
        var prompts = PromptLibrary.BuiltIn.Prompts;

        Assert.True(prompts.Count(p => p.Has(PromptTheme.Trajectory) && (p.Text.Contains("Alumni", StringComparison.OrdinalIgnoreCase) || p.Text.Contains("Seniors", StringComparison.OrdinalIgnoreCase))) >= 8);
        Assert.True(prompts.Count(p => p.Has(PromptTheme.Solutions) && p.Text.Contains("control", StringComparison.OrdinalIgnoreCase)) >= 2);
    }

    [Fact]
    public void Parse_ExtendFile_AddsAndOverridesBuiltIns()
    {
        var result = PromptLibrary.Parse("""
            { "mode": "extend", "prompts": [
              { "id": "our-own", "text": "What did you learn from a nurse this month?", "themes": ["gratitude", "check-in"] },
              { "id": "small-win", "text": "Name one small win from this week.", "themes": ["gratitude"] }
            ] }
            """);

        Assert.True(result.Succeeded, result.Error);
        var library = result.Value!;
        Assert.Equal(PromptLibrary.BuiltIn.Prompts.Count + 1, library.Prompts.Count);
        Assert.Equal([PromptTheme.Gratitude, PromptTheme.CheckIn], library.Find("our-own")!.Themes);
        Assert.Equal("Name one small win from this week.", library.Find("small-win")!.Text);
    }

    [Fact]
    public void Parse_ReplaceFile_UsesOnlyItsPrompts()
    {
        var result = PromptLibrary.Parse("""
            { "mode": "replace", "prompts": [
              { "id": "a", "text": "What is in your control this week?", "themes": ["solutions"] },
              { "id": "b", "text": "How are you arriving?", "themes": ["checkin"] }
            ] }
            """);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(["a", "b"], result.Value!.Prompts.Select(p => p.Id));
    }

    [Fact]
    public void Parse_BareArray_Extends()
    {
        var result = PromptLibrary.Parse("""[{ "id": "x1", "text": "Tell us one thing.", "themes": ["belonging"] }]""");

        Assert.True(result.Succeeded, result.Error);
        Assert.NotNull(result.Value!.Find("x1"));
        Assert.NotNull(result.Value.Find("small-win"));
    }

    [Fact]
    public void Parse_BadPrompts_ListsEveryProblemWithItsPath()
    {
        var result = PromptLibrary.Parse("""
            { "mode": "merge", "prompts": [
              { "id": "a", "text": "Fine text here.", "themes": ["joy"] },
              { "id": "a", "text": "", "themes": [] },
              { "text": "No id." , "themes": ["reset"] },
              42
            ] }
            """);

        Assert.False(result.Succeeded);
        var lines = result.Error!.Split('\n');
        Assert.Contains("mode: must be \"extend\" or \"replace\".", lines);
        Assert.Contains(lines, l => l.StartsWith("prompts[0].themes[0]: 'joy' is not a theme; use one of normalization, trajectory", StringComparison.Ordinal));
        Assert.Contains("prompts[1].id: 'a' is used by more than one prompt.", lines);
        Assert.Contains("prompts[1].text: a prompt needs text.", lines);
        Assert.Contains(lines, l => l.StartsWith("prompts[1].themes: at least one theme is required", StringComparison.Ordinal));
        Assert.Contains("prompts[2].id: a prompt needs an id (letters, digits, '-').", lines);
        Assert.Contains("prompts[3]: expected an object with id, text and themes.", lines);
    }

    [Fact]
    public void Parse_NotJson_SaysWhere()
    {
        var result = PromptLibrary.Parse("{\n  \"prompts\": [\n    { \"id\": \"a\" \n  ]\n}");

        Assert.False(result.Succeeded);
        Assert.StartsWith("it is not JSON (line 4", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReplaceWithoutSolutions_IsRefused()
    {
        var result = PromptLibrary.Parse("""{ "mode": "replace", "prompts": [{ "id": "a", "text": "Hello there.", "themes": ["reset"] }] }""");

        Assert.False(result.Succeeded);
        Assert.Contains("\"solutions\" theme", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_NamesTheSettingAndPath()
    {
        var folder = Path.Combine(Path.GetTempPath(), "peerbot-tests-" + Guid.NewGuid().ToString("N"));

        var result = PromptLibrary.Load(new PromptOptions { LibraryPath = "prompts.json" }, folder);

        Assert.False(result.Succeeded);
        Assert.StartsWith($"Prompts.LibraryPath: the prompt library '{Path.Combine(folder, "prompts.json")}' cannot be read", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ValidFile_ReadsIt()
    {
        var folder = Directory.CreateTempSubdirectory("peerbot-tests-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "prompts.json"), """[{ "id": "mine", "text": "Our own prompt.", "themes": ["reset"] }]""");

            var result = PromptLibrary.Load(new PromptOptions { LibraryPath = "prompts.json" }, folder.FullName);

            Assert.True(result.Succeeded, result.Error);
            Assert.NotNull(result.Value!.Find("mine"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Load_NoPath_IsTheBuiltInLibrary()
    {
        Assert.Same(PromptLibrary.BuiltIn, PromptLibrary.Load(new PromptOptions()).Value);
    }
}
