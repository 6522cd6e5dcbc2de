namespace PeerBot.Reliability.Tests.Security;

/// <summary>
/// Tests that watch process-wide signals (every exception thrown, the console) run alone, so that nothing another
/// test does lands in what they scan.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial";
}
