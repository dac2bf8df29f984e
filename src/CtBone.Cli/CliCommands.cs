namespace CtBone.Cli;

/// <summary>The <c>ctbone</c> verbs. Exit codes: 0 ok, 2 rejected input, 1 internal failure (64 for a usage error).</summary>
internal static class CliCommands
{
    public const int Ok = 0;
    public const int InternalFailure = 1;
    public const int RejectedInput = 2;
    public const int UsageError = 64;

    private static readonly Dictionary<string, (string Usage, Func<CliArguments, CancellationToken, Task<int>> Run)> s_commands = new(StringComparer.Ordinal)
    {
        ["analyze"] = (AnalyzeCommand.Usage, AnalyzeCommand.RunAsync),
        ["revise"] = (ReviseCommand.Usage, ReviseCommand.RunAsync),
        ["inspect"] = ("inspect <folder> [--format json|table]", InspectCommand.RunAsync),
        ["phantom"] = (PhantomCommand.Usage, PhantomCommand.RunAsync),
        ["serve"] = (ServiceCommands.ServeUsage, ServiceCommands.ServeAsync),
        ["api"] = (ServiceCommands.ApiUsage, ServiceCommands.ApiAsync),
        ["worker"] = (ServiceCommands.WorkerUsage, ServiceCommands.WorkerAsync),
        ["keys"] = (ServiceCommands.KeysUsage, ServiceCommands.KeysAsync),
    };

    public static async Task<int> RunAsync(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        if (args.Length == 0 || !s_commands.TryGetValue(args[0], out var command))
        {
            await Console.Error.WriteLineAsync("usage: ctbone <verb> ...\n" + string.Join('\n', s_commands.Values.Select(c => "  ctbone " + c.Usage))).ConfigureAwait(false);
            return UsageError;
        }

        CliArguments parsed;
        try
        {
            parsed = CliArguments.Parse(args.AsSpan(1));
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"{e.Message}\nusage: ctbone {command.Usage}").ConfigureAwait(false);
            return UsageError;
        }

        try
        {
            return await command.Run(parsed, cancel.Token).ConfigureAwait(false);
        }
        catch (CliUsageException e)
        {
            await Console.Error.WriteLineAsync($"{e.Message}\nusage: ctbone {command.Usage}").ConfigureAwait(false);
            return UsageError;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("cancelled").ConfigureAwait(false);
            return InternalFailure;
        }
#pragma warning disable CA1031 // The CLI's contract: any unexpected failure is exit code 1 with a message, never a crash dump.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync($"internal failure: {e.GetType().Name}: {e.Message}").ConfigureAwait(false);
            return InternalFailure;
        }
    }
}

internal sealed class CliUsageException(string message) : Exception(message);
