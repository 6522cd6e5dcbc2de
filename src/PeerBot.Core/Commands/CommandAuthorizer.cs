using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Commands;

/// <summary>
/// The one authorization check of the command surface: facilitators act on the groups they facilitate,
/// coordinators on all, residents on themselves. Refusals are polite, private and audited; so is every
/// staff action (<see cref="Audit"/>).
/// </summary>
public sealed partial class CommandAuthorizer
{
    private readonly IGroupDirectory _groups;
    private readonly IAuditLog _audit;
    private readonly TimeProvider _time;
    private readonly ILogger<CommandAuthorizer> _logger;

    /// <summary>Creates the check.</summary>
    public CommandAuthorizer(IGroupDirectory groups, IAuditLog audit, TimeProvider time, ILogger<CommandAuthorizer> logger)
    {
        _groups = groups;
        _audit = audit;
        _time = time;
        _logger = logger;
    }

    /// <summary>True for coordinators and for anyone who facilitates a group.</summary>
    public bool IsStaff(Person person)
    {
        ArgumentNullException.ThrowIfNull(person);
        return person.Role == PersonRole.Coordinator || _groups.GroupsFacilitatedBy(person.Id).Count > 0;
    }

    /// <summary>The groups a person may act on as staff.</summary>
    public IReadOnlyList<GroupInfo> ActableGroups(Person person)
    {
        ArgumentNullException.ThrowIfNull(person);
        return person.Role == PersonRole.Coordinator ? _groups.All() : _groups.GroupsFacilitatedBy(person.Id);
    }

    /// <summary>True when a person may act on a group.</summary>
    public bool CanActOn(Person person, GroupInfo group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return ActableGroups(person).Any(g => g.Id == group.Id);
    }

    /// <summary>
    /// The groups a staff command with an optional group argument acts on (<c>/peer flags [group]</c>): the one named,
    /// or every group the actor may act on. More than one argument is a failure with the command's usage.
    /// </summary>
    public OperationResult<IReadOnlyList<GroupInfo>> ResolveTargets(CommandContext context, IReadOnlyList<string> args, string action)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count > 1)
        {
            return OperationResult<IReadOnlyList<GroupInfo>>.Failure($"/peer {action} takes at most the group, like /peer {action} \"Tuesday Circle\".");
        }

        if (args.Count == 0)
        {
            return OperationResult<IReadOnlyList<GroupInfo>>.Success(ActableGroups(context.Actor));
        }

        var group = ResolveGroup(context, args[0], action);
        return group.Succeeded
            ? OperationResult<IReadOnlyList<GroupInfo>>.Success([group.Value!])
            : OperationResult<IReadOnlyList<GroupInfo>>.Failure(group.Error!);
    }

    /// <summary>
    /// The group a staff command acts on: the one named (by name or id), else the group whose channel the
    /// command ran in, else the person's only group. Unknown names list the person's groups; a group they
    /// may not act on is a refusal (audited).
    /// </summary>
    public OperationResult<GroupInfo> ResolveGroup(CommandContext context, string? name, string action)
    {
        ArgumentNullException.ThrowIfNull(context);
        var mine = ActableGroups(context.Actor);
        if (string.IsNullOrWhiteSpace(name))
        {
            var here = context.ChannelId is null ? null : _groups.FindByChannel(new ChannelRef(context.Platform, context.ChannelId));
            if (here is not null && mine.Any(g => g.Id == here.Id))
            {
                return OperationResult<GroupInfo>.Success(here);
            }

            return mine.Count switch
            {
                0 => OperationResult<GroupInfo>.Failure("You don't facilitate any group right now."),
                1 => OperationResult<GroupInfo>.Success(mine[0]),
                _ => OperationResult<GroupInfo>.Failure($"Which group? Your groups: {List(mine)}. For example: /peer {action} \"{mine[0].Name}\"."),
            };
        }

        var group = _groups.All().FirstOrDefault(g => string.Equals(g.Name, name, StringComparison.OrdinalIgnoreCase)
            || string.Equals(g.Id, name, StringComparison.OrdinalIgnoreCase));
        if (group is null)
        {
            return OperationResult<GroupInfo>.Failure(mine.Count == 0
                ? $"No group named '{name}'."
                : $"No group named '{name}'. Your groups: {List(mine)}.");
        }

        if (!mine.Any(g => g.Id == group.Id))
        {
            return OperationResult<GroupInfo>.Failure(Refuse(context, action, group.Id, null, $"not a facilitator of {group.Name}"));
        }

        return OperationResult<GroupInfo>.Success(group);
    }

    /// <summary>Checks that a person may act on a group; on refusal returns the polite reply (and audits it).</summary>
    public string? Check(CommandContext context, GroupInfo group, string action, string? target)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(group);
        return CanActOn(context.Actor, group) ? null : Refuse(context, action, group.Id, target, $"not a facilitator of {group.Name}");
    }

    /// <summary>Audits a refusal and returns the polite words for it.</summary>
    public string Refuse(CommandContext context, string action, string? groupId, string? target, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        Audit(context, action, groupId, target, AuditOutcome.Refused, reason);
        LogRefused(action, context.Actor.Id);
        var group = groupId is null ? null : _groups.Find(groupId);
        return group is null
            ? $"Sorry, /peer {action} is for facilitators and coordinators. /peer help shows what you can run."
            : $"Sorry, only the facilitators of {group.Name} and coordinators can run /peer {action} there.";
    }

    /// <summary>Writes an audit entry for an action by the person in <paramref name="context"/>.</summary>
    public void Audit(CommandContext context, string action, string? groupId, string? target, AuditOutcome outcome, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        _audit.Write(new AuditEntry(
            "AU" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)),
            _time.GetUtcNow(),
            context.Actor.Id,
            action,
            groupId,
            target,
            outcome,
            detail));
    }

    private static string List(IEnumerable<GroupInfo> groups) => string.Join(", ", groups.Select(g => g.Name));

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused /peer {Action} for {PersonId}.")]
    private partial void LogRefused(string action, string personId);
}
