using System.Globalization;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Credentials;
using Agents.Core.Policy;
using Agents.Core.Sandbox;

namespace Agents.Core.Tools;

/// <summary>
/// The read-only repository tools. Each runs its WASM module (source in <c>functions/tools/{name}</c>) in the
/// <see cref="WasmSandbox"/>, which sees only the session's repository, read-only; the module confines paths, refuses
/// symbolic links and produces exactly what the in-process tools did.
/// </summary>
public sealed class ListFilesTool(RepositoryWorkspace workspace, WasmSandbox sandbox) : IAgentTool
{
    static readonly WasmModuleSource Module = WasmModuleSource.Tool("list_files");

    /// <summary>Uses the process-wide sandbox with default caps (callers without dependency injection).</summary>
    public ListFilesTool(RepositoryWorkspace workspace)
        : this(workspace, WasmSandbox.Default)
    {
    }

    public ToolDefinition Definition { get; } = new(
        "list_files",
        "List the repository's files (relative paths), optionally under one folder.",
        """{"type":"object","properties":{"path":{"type":"string","description":"folder relative to the repository root"}},"additionalProperties":false}""",
        RiskTier.Low,
        RequiresApproval: false,
        ToolRuntime.Wasm)
    {
        MaxDegradeLevel = 1,
        CredentialScope = CredentialScope.RepositoryRead,
        TimeLimit = TimeSpan.FromSeconds(10),
        MemoryLimitBytes = 32L * 1024 * 1024,
    };

    public Task<ToolOutput> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken) =>
        Task.FromResult(SandboxedRepositoryTool.Run(sandbox, workspace, Module, this.Definition, invocation, maxOutputBytes: null, cancellationToken));
}

public sealed class ReadFileTool(RepositoryWorkspace workspace, WasmSandbox sandbox) : IAgentTool
{
    /// <summary>Read outputs start with this header so later steps know which file they hold.</summary>
    public const string HeaderPrefix = "==> ";

    static readonly WasmModuleSource Module = WasmModuleSource.Tool("read_file");

    /// <summary>Uses the process-wide sandbox with default caps (callers without dependency injection).</summary>
    public ReadFileTool(RepositoryWorkspace workspace)
        : this(workspace, WasmSandbox.Default)
    {
    }

    public ToolDefinition Definition { get; } = new(
        "read_file",
        "Read one text file of the repository.",
        """{"type":"object","properties":{"path":{"type":"string","minLength":1}},"required":["path"],"additionalProperties":false}""",
        RiskTier.Low,
        RequiresApproval: false,
        ToolRuntime.Wasm)
    {
        CredentialScope = CredentialScope.RepositoryRead,
        TimeLimit = TimeSpan.FromSeconds(10),
        MemoryLimitBytes = 32L * 1024 * 1024,
    };

    public Task<ToolOutput> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        // A file within Workspace:MaxReadBytes may grow up to 3x when decoded to UTF-8 (every invalid byte becomes U+FFFD):
        // the output cap is never below what a legitimate read produces.
        int legitimate = (int)Math.Min(int.MaxValue, (3L * workspace.Options.MaxReadBytes) + (64 * 1024));
        return Task.FromResult(SandboxedRepositoryTool.Run(sandbox, workspace, Module, this.Definition, invocation, Math.Max(sandbox.Options.MaxOutputBytes, legitimate), cancellationToken));
    }
}

public sealed class SearchCodeTool(RepositoryWorkspace workspace, WasmSandbox sandbox, ReadGuard? guard) : IAgentTool
{
    static readonly WasmModuleSource Module = WasmModuleSource.Tool("search_code");

    /// <summary>Uses the process-wide sandbox with default caps (callers without dependency injection).</summary>
    public SearchCodeTool(RepositoryWorkspace workspace)
        : this(workspace, WasmSandbox.Default, null)
    {
    }

    /// <summary>Without a policy guard (the sandbox's own tests and benchmarks).</summary>
    public SearchCodeTool(RepositoryWorkspace workspace, WasmSandbox sandbox)
        : this(workspace, sandbox, null)
    {
    }

    public ToolDefinition Definition { get; } = new(
        "search_code",
        "Find lines containing a literal text (case-insensitive) in the repository's files; returns path:line: text.",
        """{"type":"object","properties":{"query":{"type":"string","minLength":1},"path":{"type":"string"}},"required":["query"],"additionalProperties":false}""",
        RiskTier.Low,
        RequiresApproval: false,
        ToolRuntime.Wasm)
    {
        MaxDegradeLevel = 1,
        CredentialScope = CredentialScope.RepositoryRead,
        TimeLimit = TimeSpan.FromSeconds(10),
        MemoryLimitBytes = 64L * 1024 * 1024,
    };

    public Task<ToolOutput> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken)
    {
        ToolOutput output = SandboxedRepositoryTool.Run(sandbox, workspace, Module, this.Definition, invocation, maxOutputBytes: null, cancellationToken);
        if (!output.Succeeded || guard is null)
        {
            return Task.FromResult(output);
        }

        // A search reads every file: results from files the policy forbids reading (secrets) never leave the tool.
        (string filtered, int dropped) = guard.FilterSearchResults(invocation.Session, output.Content);
        return Task.FromResult(dropped == 0 ? output : output with
        {
            Content = filtered,
            Preview = $"{output.Preview} ({dropped} match(es) in files the policy forbids reading were withheld)",
        });
    }
}

/// <summary>
/// One call of a repository tool's module: the session's repository preopened read-only, the JSON arguments as argv[1].
/// Exit 0: stdout is the output and stderr the preview; 1: the tool failed (stderr says why); 2: the arguments are
/// unusable (a <see cref="ToolArgumentException"/>, as before). Anything else the sandbox stopped is a failure naming the cap.
/// </summary>
static class SandboxedRepositoryTool
{
    public const string RepositoryVariable = "TOOL_REPOSITORY";
    public const string MaxReadBytesVariable = "TOOL_MAX_READ_BYTES";

    public static ToolOutput Run(
        WasmSandbox sandbox, RepositoryWorkspace workspace, WasmModuleSource module, ToolDefinition definition, ToolInvocation invocation, int? maxOutputBytes, CancellationToken cancellationToken)
    {
        string repository = invocation.Session.Repository;
        string root = workspace.RootOf(repository);
        var request = new SandboxRequest
        {
            Arguments = [invocation.Arguments.ValueKind == JsonValueKind.Undefined ? "{}" : invocation.Arguments.GetRawText()],
            Environment = new Dictionary<string, string>
            {
                [RepositoryVariable] = repository,
                [MaxReadBytesVariable] = workspace.Options.MaxReadBytes.ToString(CultureInfo.InvariantCulture),
            },
            ReadOnlyDirectory = root,
            MaxOutputBytes = maxOutputBytes,
            // The tighter of the tool's catalog limit and the sandbox's own cap.
            TimeLimit = definition.TimeLimit < TimeSpan.FromMilliseconds(sandbox.Options.TimeLimitMilliseconds) ? definition.TimeLimit : TimeSpan.FromMilliseconds(sandbox.Options.TimeLimitMilliseconds),
            MemoryLimitBytes = definition.MemoryLimitBytes,
        };

        SandboxResult result = sandbox.Run(module, request, cancellationToken);
        return result switch
        {
            { Outcome: SandboxOutcome.Succeeded } => ToolOutput.Success(result.StdoutText, result.StderrText),
            { Outcome: SandboxOutcome.NonZeroExit, ExitCode: 1 } => ToolOutput.Failure(result.StderrText),
            { Outcome: SandboxOutcome.NonZeroExit, ExitCode: 2 } => throw new ToolArgumentException(result.StderrText),
            { Outcome: SandboxOutcome.Cancelled } => throw new OperationCanceledException(cancellationToken),
            { Outcome: SandboxOutcome.NonZeroExit } => ToolOutput.Failure($"{module.Name} failed in the WASM sandbox: {result.Error}: {result.StderrText}"),
            _ => ToolOutput.Failure($"{module.Name} was stopped by the WASM sandbox: {result.Error}"),
        };
    }
}
