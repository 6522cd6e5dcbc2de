namespace PeerBot.Reliability.Tests.Faults;

/// <summary>
/// The whole-host fault tests run alone: each drives a real host, an emulator and a fast-moving fake clock, and
/// a real-time deadline they check (Discord's 3 seconds to answer an interaction) must not depend on what other tests
/// load the machine with; nor should their load make others' real-time waits (HardKillTests) run late.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostFaultCollection
{
    public const string Name = "Host faults";
}
