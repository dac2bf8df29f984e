using CtBone.Cli;

return await CliCommands.RunAsync(args).ConfigureAwait(false);
