using PeerBot.Cli;

var cli = new PeerBotCli(Console.In, Console.Out, Console.Error, TimeProvider.System);
return await cli.RunAsync(args, CancellationToken.None).ConfigureAwait(false);
