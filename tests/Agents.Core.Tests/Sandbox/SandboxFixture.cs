using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Sandbox;
using Agents.Core.Tools;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests.Sandbox;

/// <summary>
/// One sandbox shared by a test class (so "it keeps serving" means the same engine, linker and cached modules), and
/// a temporary copy of the sample repository with a secret file beside it and symbolic links planted inside that
/// point at the secret.
/// </summary>
public sealed class SandboxFixture : IDisposable
{
    public const string Repository = "escape-repo";
    public const long MemoryLimitBytes = 32L << 20;
    public const int MaxOutputBytes = 256 << 10;
    public const int MaxErrorBytes = 16 << 10;
    public const int TimeLimitMilliseconds = 2_000;

    public SandboxFixture()
    {
        this.Root = Directory.CreateTempSubdirectory("wasm-sandbox-").FullName;
        string repositories = Path.Combine(this.Root, "repos");
        this.RepositoryPath = Path.Combine(repositories, Repository);
        CopyFolder(Path.Combine(RepositoryPaths.Root, "samples", "repos", "inventory-service"), this.RepositoryPath);

        this.Secret = "TOP-SECRET-" + Guid.NewGuid().ToString("N");
        this.SecretPath = Path.Combine(this.Root, "secret.txt");
        File.WriteAllText(this.SecretPath, this.Secret + "\n");
        File.CreateSymbolicLink(Path.Combine(this.RepositoryPath, "leak.txt"), Path.Combine("..", "..", "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(this.RepositoryPath, "abs-leak.txt"), this.SecretPath);
        Directory.CreateSymbolicLink(Path.Combine(this.RepositoryPath, "leakdir"), Path.Combine("..", ".."));

        this.Sandbox = new WasmSandbox(Options.Create(new SandboxOptions
        {
            TimeLimitMilliseconds = TimeLimitMilliseconds,
            MemoryLimitBytes = MemoryLimitBytes,
            MaxOutputBytes = MaxOutputBytes,
            MaxErrorBytes = MaxErrorBytes,
        }));
        this.Workspace = new RepositoryWorkspace(Options.Create(new WorkspaceOptions { RepositoriesRoot = repositories }));
        this.ListFiles = new ListFilesTool(this.Workspace, this.Sandbox);
        this.ReadFile = new ReadFileTool(this.Workspace, this.Sandbox);
        this.SearchCode = new SearchCodeTool(this.Workspace, this.Sandbox);
    }

    public string Root { get; }

    public string RepositoryPath { get; }

    public string Secret { get; }

    public string SecretPath { get; }

    public WasmSandbox Sandbox { get; }

    public RepositoryWorkspace Workspace { get; }

    public ListFilesTool ListFiles { get; }

    public ReadFileTool ReadFile { get; }

    public SearchCodeTool SearchCode { get; }

    public static ToolInvocation Invocation(string tool, string arguments, string repository = Repository) => new(
        new SessionMetadata("s-sandbox", "tester", "contoso", RiskTier.Low, DataSensitivity.Internal, repository, null, new BudgetLimits(1, 1, 1, 1), DateTime.UnixEpoch),
        1,
        new PlanStep("step", tool, arguments, [], null, false),
        JsonDocument.Parse(arguments).RootElement.Clone(),
        "",
        [],
        (_, _) => Task.FromResult(""),
        null);

    public Task<ToolOutput> RunAsync(IAgentTool tool, string arguments) => tool.RunAsync(Invocation(tool.Definition.Name, arguments), CancellationToken.None);

    /// <summary>A hostile module run with the repository copy preopened, as the tools are.</summary>
    public SandboxResult RunHostile(WasmModuleSource module, TimeSpan? timeLimit = null) =>
        this.Sandbox.Run(module, new SandboxRequest { ReadOnlyDirectory = this.RepositoryPath, TimeLimit = timeLimit });

    public SandboxResult RunHostileCancellable(WasmModuleSource module, CancellationToken cancellationToken) =>
        this.Sandbox.Run(module, new SandboxRequest { ReadOnlyDirectory = this.RepositoryPath }, cancellationToken);

    /// <summary>The check after every contained attack: a normal read_file through the same sandbox still works.</summary>
    public async Task AssertStillServesAsync()
    {
        ToolOutput output = await this.RunAsync(this.ReadFile, """{"path":"inventory/pagination.py"}""");

        Assert.True(output.Succeeded, output.Error);
        string expected = File.ReadAllText(Path.Combine(this.RepositoryPath, "inventory", "pagination.py"));
        Assert.Equal($"==> inventory/pagination.py <==\n{expected}", output.Content);
    }

    public void Dispose()
    {
        this.Sandbox.Dispose();
        Directory.Delete(this.Root, recursive: true);
    }

    static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (string folder in Directory.EnumerateDirectories(from))
        {
            string name = Path.GetFileName(folder);
            if (name is not ".git" and not "__pycache__")
            {
                CopyFolder(folder, Path.Combine(to, name));
            }
        }
    }
}
