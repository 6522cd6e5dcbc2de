using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;
using PeerBot.Testing;
using PeerBot.Testing.Sharing;

namespace PeerBot.Core.Tests.Sharing;

public sealed class AnonymousCrisisContactTests : IDisposable
{
    private readonly SharingWorld _world = new();

    private static string Text(OutgoingMessage message) => message.ToPlainText();

    [Fact]
    public async Task SubmitAsync_Crisis_WithheldWithCrisisReplyAndContactButton()
    {
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "I just want to end it all"), default);
        await _world.PassMaxDelayAndDeliverAsync();

        Assert.True(result.Value!.Withheld);
        Assert.Contains("988", Text(result.Value.Reply), StringComparison.Ordinal);
        var button = Assert.Single(result.Value.Reply.Buttons);
        Assert.StartsWith("crisis:contact:", button.ActionId, StringComparison.Ordinal);
        Assert.DoesNotContain(SharingWorld.Ana, button.ActionId, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        var stored = _world.Posts.Find(result.Value.PostId)!;
        Assert.Equal(AnonymousPostState.Withheld, stored.State);
        Assert.Equal("", stored.Text);
        Assert.Equal("A1", stored.AlertId);
    }

    [Fact]
    public async Task RequestCrisisContactAsync_AuthorPresses_PsychologistToldWhoItIs()
    {
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "I want to end it all"), default);
        var action = result.Value!.Reply.Buttons[0].ActionId;

        var reply = await _world.PressAsync(SharingWorld.AnaUser, action);

        Assert.Contains("Dr Lee will reach out", reply.Reply!.ToPlainText(), StringComparison.Ordinal);
        var toLee = Assert.Single(_world.DirectMessagesTo(SharingWorld.LeeUser));
        Assert.Contains("Ana R.", Text(toLee), StringComparison.Ordinal);
        Assert.Contains("A1", Text(toLee), StringComparison.Ordinal);
        var again = await _world.PressAsync(SharingWorld.AnaUser, action);
        Assert.Contains("expired", again.Reply!.ToPlainText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestCrisisContactAsync_SomeoneElsePresses_NothingRevealed()
    {
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "I want to end it all"), default);

        var reply = await _world.PressAsync(SharingWorld.BenUser, result.Value!.Reply.Buttons[0].ActionId);

        Assert.Contains("expired", reply.Reply!.ToPlainText(), StringComparison.Ordinal);
        Assert.Empty(_world.DirectMessagesTo(SharingWorld.LeeUser));
    }

    public void Dispose() => _world.Dispose();
}
