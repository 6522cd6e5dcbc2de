using PeerBot.Core.People;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Groups;

/// <summary>The words PeerBot uses when people join a group and when a group's channel opens.</summary>
public static class GroupTexts
{
    /// <summary>The built-in ground rules, posted when a channel opens unless a coordinator wrote their own.</summary>
    public static IReadOnlyList<string> DefaultGroundRules { get; } =
    [
        "What is said here stays here.",
        "Listen first.",
        "No advice unless someone asks for it.",
    ];

    /// <summary>The private welcome a person gets when first added to a group: one for members, another for facilitators.</summary>
    /// <param name="groupName">The group's name.</param>
    /// <param name="isFacilitator">True when the person facilitates rather than joins as a member.</param>
    /// <param name="facilitatorNames">Display names of the group's facilitators.</param>
    /// <param name="supportMessage">Where to find help beyond the group (<c>Safety:SupportMessage</c>); empty leaves the line out.</param>
    /// <param name="idempotencyKey">Key so a retried welcome is not sent twice.</param>
    public static OutgoingMessage Welcome(string groupName, bool isFacilitator, IReadOnlyList<string> facilitatorNames, string supportMessage, string idempotencyKey)
    {
        ArgumentNullException.ThrowIfNull(facilitatorNames);
        var blocks = isFacilitator ? FacilitatorWelcome(groupName) : MemberWelcome(groupName, facilitatorNames, supportMessage);
        return new OutgoingMessage(blocks, [], idempotencyKey);
    }

    private static List<MessageBlock> MemberWelcome(string groupName, IReadOnlyList<string> facilitatorNames, string supportMessage)
    {
        var facilitatedBy = facilitatorNames.Count == 0
            ? "Your program will add a facilitator soon."
            : $"It is facilitated by {JoinNames(facilitatorNames)}.";
        var blocks = new List<MessageBlock>
        {
            new HeadingBlock($"Welcome to {groupName}"),
            new ParagraphBlock($"We're glad you're here. {groupName} is a small, private group of residents from different training years who meet here to talk about how residency is really going. {facilitatedBy} Come as you are: joining in, reading along and taking a quiet week are all fine."),
            PrivacyParagraph(),
            NeverKeptParagraph(),
            new ParagraphBlock([new TextSpan("Sharing anonymously: ", SpanStyle.Bold), new TextSpan("use /peer share. Your words appear in the group as \"Anonymous member\" after a short random delay, and nothing in the group shows who wrote them.")]),
            new ParagraphBlock([new TextSpan("Taking a break: ", SpanStyle.Bold), new TextSpan("/peer pause takes you out of your group for a while; /peer resume brings you back. /peer help lists everything else.")]),
        };
        if (!string.IsNullOrWhiteSpace(supportMessage))
        {
            blocks.Add(new ParagraphBlock([new TextSpan("Support beyond the group: ", SpanStyle.Bold), new TextSpan(supportMessage.Trim())]));
        }

        return blocks;
    }

    private static List<MessageBlock> FacilitatorWelcome(string groupName) =>
    [
        new HeadingBlock($"Welcome to {groupName}"),
        new ParagraphBlock($"Thank you for facilitating {groupName}, a small private peer-support group of residents from different training years."),
        new ParagraphBlock([new TextSpan("Your role: ", SpanStyle.Bold), new TextSpan("you are in the group's channel as yourself, to keep it a safe place to talk. PeerBot posts a discussion prompt on the group's schedule, and tells you privately when a conversation may need you; crisis comes first, and residents are never told they were flagged.")]),
        new ParagraphBlock([new TextSpan("Your commands", SpanStyle.Bold)]),
        new ListBlock(
        [
            [new TextSpan("/peer flags", SpanStyle.Code), new TextSpan(": open safety flags, crisis first; "), new TextSpan("/peer ack ID", SpanStyle.Code), new TextSpan(" when you're on one, "), new TextSpan("/peer resolve ID", SpanStyle.Code), new TextSpan(" to close it")],
            [new TextSpan("/peer prompt now|skip|preview", SpanStyle.Code), new TextSpan(": post the next prompt now, skip it, or see it first")],
            [new TextSpan("/peer anon remove POST", SpanStyle.Code), new TextSpan(": take down an anonymous post (you never learn who wrote it)")],
            [new TextSpan("/peer groups", SpanStyle.Code), new TextSpan(" and "), new TextSpan("/peer stats", SpanStyle.Code), new TextSpan(": your groups, their people and weekly counts")],
        ]),
        new ParagraphBlock($"Inside the group's channel the group is implied; elsewhere name it in quotes, like /peer flags \"{groupName}\". /peer help lists everything, your commands first."),
        PrivacyParagraph(),
        NeverKeptParagraph(),
    ];

    private static ParagraphBlock PrivacyParagraph() =>
        new([new TextSpan("What PeerBot keeps: ", SpanStyle.Bold), new TextSpan("who is in which group, which prompts a group has seen, counts of check-in answers, anonymous posts only until they are delivered, and short excerpts of messages flagged for a facilitator (deleted after a while).")]);

    private static ParagraphBlock NeverKeptParagraph() =>
        new([new TextSpan("What it never keeps: ", SpanStyle.Bold), new TextSpan("the text of conversations, who wrote an anonymous post, or how anyone answered a check-in.")]);

    /// <summary>The first message in a new group's channel: who is here and the ground rules.</summary>
    public static OutgoingMessage Introduction(string groupName, IReadOnlyList<Person> members, IReadOnlyList<Person> facilitators, string? groundRules, string idempotencyKey)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(facilitators);
        var rules = string.IsNullOrWhiteSpace(groundRules)
            ? DefaultGroundRules
            : groundRules.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var blocks = new List<MessageBlock>
        {
            new HeadingBlock($"Welcome to {groupName}"),
            new ParagraphBlock("This is your group's private space. Everyone here is in training or has been, and everyone here can understand."),
        };
        if (members.Count > 0)
        {
            blocks.Add(new ParagraphBlock([new TextSpan("Members", SpanStyle.Bold)]));
            blocks.Add(new ListBlock(members.Select(m => (IReadOnlyList<TextSpan>)[new TextSpan(m.Pgy is { } pgy ? $"{m.Name} (PGY-{pgy})" : m.Name)]).ToList()));
        }

        if (facilitators.Count > 0)
        {
            blocks.Add(new ParagraphBlock([new TextSpan("Facilitators", SpanStyle.Bold)]));
            blocks.Add(new ListBlock(facilitators.Select(f => (IReadOnlyList<TextSpan>)[new TextSpan($"{f.Name} ({RoleLabel(f)})")]).ToList()));
        }

        blocks.Add(new ParagraphBlock([new TextSpan("Ground rules", SpanStyle.Bold)]));
        blocks.Add(new ListBlock(rules.Select(r => (IReadOnlyList<TextSpan>)[new TextSpan(r)]).ToList()));
        blocks.Add(new ParagraphBlock("A discussion prompt will appear here on the group's schedule. You can share anonymously with /peer share."));
        return new OutgoingMessage(blocks, [], idempotencyKey);
    }

    private static string RoleLabel(Person person) => person.Role switch
    {
        Configuration.PersonRole.Alumni => "alumni facilitator",
        Configuration.PersonRole.Psychologist => "psychologist",
        Configuration.PersonRole.Coordinator => "program coordinator",
        _ => "facilitator",
    };

    private static string JoinNames(IReadOnlyList<string> names) => names.Count switch
    {
        1 => names[0],
        2 => $"{names[0]} and {names[1]}",
        _ => string.Join(", ", names.Take(names.Count - 1)) + " and " + names[^1],
    };
}
