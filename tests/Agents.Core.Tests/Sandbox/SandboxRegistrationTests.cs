using Agents.Core.Hosting;
using Agents.Core.Sandbox;
using Agents.Core.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Core.Tests.Sandbox;

/// <summary>The platform binds the Sandbox section and its repository tools run in that sandbox, not the default one.</summary>
public sealed class SandboxRegistrationTests : IDisposable
{
    readonly string repositories = Directory.CreateTempSubdirectory("wasm-registration-").FullName;

    [Fact]
    public async Task AddAgentPlatform_SandboxSection_ToolsRunUnderTheConfiguredCaps()
    {
        // Arrange: a listing longer than the configured output cap
        string repository = Path.Combine(this.repositories, "many-files");
        Directory.CreateDirectory(repository);
        for (int i = 0; i < 40; i++)
        {
            File.WriteAllText(Path.Combine(repository, $"a-rather-long-file-name-number-{i:00}.txt"), "x");
        }

        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Workspace:RepositoriesRoot"] = this.repositories,
            ["Sandbox:TimeLimitMilliseconds"] = "1234",
            ["Sandbox:MaxOutputBytes"] = "1024",
        }).Build();
        await using ServiceProvider services = new ServiceCollection().AddLogging().AddAgentPlatform(configuration).BuildServiceProvider();
        ListFilesTool tool = services.GetServices<IAgentTool>().OfType<ListFilesTool>().Single();

        // Act
        ToolOutput output = await tool.RunAsync(SandboxFixture.Invocation("list_files", "{}", "many-files"), CancellationToken.None);

        // Assert
        Assert.Equal(1234, services.GetRequiredService<WasmSandbox>().Options.TimeLimitMilliseconds);
        Assert.Equal(ToolRuntime.Wasm, tool.Definition.Runtime);
        Assert.False(output.Succeeded);
        Assert.Contains("more than 1024 bytes to stdout (Sandbox:MaxOutputBytes)", output.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(this.repositories, recursive: true);
}
