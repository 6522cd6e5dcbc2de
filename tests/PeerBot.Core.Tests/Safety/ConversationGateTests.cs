using System.Text.Json;
using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Safety;

public sealed class ConversationGateTests
{
    public static TheoryData<string> ConversationFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Corpus.Conversations)
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ConversationFiles))]
    public void Run_Conversation_AlertsExactlyOnSpirals(string fileName)
    {
        var path = Path.Combine(Corpus.Folder, "conversations", fileName);
        using var input = new StreamReader(path);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = TranscriptAnalyzer.Run(input, output, error, new SafetyOptions());

        Assert.Equal(0, exit);
        Assert.Equal("", error.ToString());
        var alerts = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("alert"))
            .Where(a => a.ValueKind == JsonValueKind.String)
            .Select(a => a.GetString())
            .ToList();
        if (fileName.StartsWith("spiral-", StringComparison.Ordinal))
        {
            Assert.Contains("spiral", alerts);
        }
        else
        {
            Assert.Empty(alerts);
        }
    }
}
