using System.Text.Json;
using System.Text.Json.Serialization;
using Agents.Core.Contracts;
using Agents.Core.Credentials;

namespace Agents.Core.Tools;

[JsonConverter(typeof(SnakeCaseEnum<ToolRuntime>))]
public enum ToolRuntime
{
    /// <summary>Runs in process, trusted code (git and the local pull-request record).</summary>
    BuiltIn,

    /// <summary>A model call.</summary>
    Model,

    /// <summary>A process with a time limit, in a scratch copy of the repository.</summary>
    Job,

    /// <summary>A WASM module in the Wasmtime sandbox: the repository preopened read-only, no network, time, memory and output caps.</summary>
    Wasm,

    /// <summary>An action of the computer-use broker: the session's own headless Chromium, allowlisted origins only, screenshots before and after.</summary>
    Browser,
}

/// <summary>A catalog entry: what the planner sees and what governs execution.</summary>
public sealed record ToolDefinition(
    string Name,
    string Description,
    string ArgumentsSchema,
    RiskTier Risk,
    bool RequiresApproval,
    ToolRuntime Runtime)
{
    /// <summary>The highest degrade level at which the planner still sees this tool (level 2 offers fewer tools).</summary>
    public int MaxDegradeLevel { get; init; } = 2;

    /// <summary>Output tokens a model-backed tool asks for (its share of the turn's output cap).</summary>
    public int OutputTokens { get; init; }

    /// <summary>
    /// What the tool's per-invocation credential may do. The step gets a credential of exactly this scope, valid five
    /// minutes, for that step only; <see cref="CredentialScope.PullRequestCreate"/> only once the step is approved.
    /// </summary>
    public CredentialScope CredentialScope { get; init; } = CredentialScope.None;

    /// <summary>Wall-clock limit for one invocation: past it the step is cancelled and fails saying so.</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Memory cap for one invocation. Enforced for <see cref="ToolRuntime.Wasm"/> tools (the Wasmtime store's linear
    /// memory, never above <c>Sandbox:MemoryLimitBytes</c>); for the other runtimes it is declared for the planner and
    /// operators.
    /// </summary>
    public long MemoryLimitBytes { get; init; } = 64L * 1024 * 1024;
}

/// <summary>Everything a tool may use for one step. Upstream outputs are loaded on demand.</summary>
public sealed record ToolInvocation(
    SessionMetadata Session,
    int Turn,
    PlanStep Step,
    JsonElement Arguments,
    string TurnInput,
    IReadOnlyList<StepInput> Inputs,
    Func<StepInput, CancellationToken, Task<string>> LoadInput,
    string? ApprovalId)
{
    /// <summary>For model-backed tools: who calls and what they may spend.</summary>
    public Models.ModelCallContext? ModelContext { get; init; }

    /// <summary>For jobs: where output goes while the step runs; null when nobody listens.</summary>
    public IStepProgress? Progress { get; init; }
    /// <summary>The plan revision the step belongs to (event ids include it).</summary>
    public int Revision { get; init; }
    /// <summary>The step's credential, of the scope the catalog entry declares (null for <see cref="CredentialScope.None"/>); the tool redeems it with the broker.</summary>
    public ScopedCredential? Credential { get; init; }
}

public sealed record ToolOutput(bool Succeeded, string Content, string ContentType, string Preview, string? Error = null, ModelCallInfo? Model = null)
{
    /// <summary>Events the tool produced (its model calls, its browser actions), logged with the step.</summary>
    public IReadOnlyList<EventDraft> Events { get; init; } = [];

    /// <summary>Payloads the tool stored itself (the browser's screenshots), by output name; they go on the step's event as outputs and refs.</summary>
    public IReadOnlyDictionary<string, PayloadRef> Attachments { get; init; } = new Dictionary<string, PayloadRef>();

    public static ToolOutput Success(string content, string preview, string contentType = "text/plain; charset=utf-8", ModelCallInfo? model = null) =>
        new(true, content, contentType, preview, null, model);

    public static ToolOutput Failure(string error, string content = "") =>
        new(false, content, "text/plain; charset=utf-8", error, error);
}

/// <summary>A tool the agent can call. Failures the agent should see come back as <see cref="ToolOutput.Failure"/>, not exceptions.</summary>
public interface IAgentTool
{
    ToolDefinition Definition { get; }

    Task<ToolOutput> RunAsync(ToolInvocation invocation, CancellationToken cancellationToken);
}

/// <summary>Thrown when a tool's arguments are unusable; the step fails with this message.</summary>
public sealed class ToolArgumentException(string message) : Exception(message);

public static class ToolArguments
{
    public static string RequiredString(this JsonElement args, string name)
    {
        if (args.ValueKind == JsonValueKind.Object && args.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            && !string.IsNullOrWhiteSpace(value.GetString()))
        {
            return value.GetString()!;
        }

        throw new ToolArgumentException($"argument '{name}' (a non-empty string) is required");
    }

    public static string? OptionalString(this JsonElement args, string name) =>
        args.ValueKind == JsonValueKind.Object && args.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static int? OptionalInt(this JsonElement args, string name) =>
        args.ValueKind == JsonValueKind.Object && args.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number
            && value.TryGetInt32(out int n)
            ? n
            : null;
}
