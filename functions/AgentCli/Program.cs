using System.CommandLine;
using AgentCli;

RootCommand root = Commands.Build();
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (ApiCallException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 1;
}
catch (NoTokenException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 4;
}
catch (HttpRequestException e)
{
    await Console.Error.WriteLineAsync($"The host did not answer ({e.Message}). Is it running? Start it with scripts/run.sh, or pass --host.");
    return 3;
}
