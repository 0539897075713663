using System.Collections.Concurrent;
using Agents.Core.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Core.Policy;

/// <summary>Section <c>Policy</c>: where the policy document comes from.</summary>
public sealed class PolicyOptions
{
    public const string Section = "Policy";

    /// <summary>Policy file, relative to the repository root (or absolute).</summary>
    public string Path { get; set; } = "policies/pr-prep.yaml";

    /// <summary>A whole policy document given in settings; overrides <see cref="Path"/>.</summary>
    public string? Document { get; set; }

    /// <summary>How often the file is checked for a new version.</summary>
    public double ReloadSeconds { get; set; } = 5;
}

/// <summary>The policy in force, and every version loaded since start (a past decision names its version).</summary>
public interface IPolicyStore
{
    CompiledPolicy Current { get; }

    CompiledPolicy? Version(string version);

    /// <summary>The last document refused at load (line and reason); the previous version stayed in force.</summary>
    string? LastError { get; }

    /// <summary>Loads a document; on failure the current version stays and the reason is returned.</summary>
    string? TryLoad(string text, string source);

    /// <summary>Makes a version available by name without putting it in force (a replay under a past policy).</summary>
    CompiledPolicy Pin(string text, string source);
}

public sealed partial class PolicyStore : IPolicyStore
{
    readonly ConcurrentDictionary<string, CompiledPolicy> versions = new(StringComparer.Ordinal);
    readonly ILogger<PolicyStore> logger;
    CompiledPolicy current;

    /// <summary>Loads the configured policy; a host does not start on a policy that does not load.</summary>
    public PolicyStore(IOptions<PolicyOptions> options, ILogger<PolicyStore> logger)
    {
        this.logger = logger;
        (string text, string source) = Read(options.Value);
        this.current = CompiledPolicy.Load(text, source);
        this.versions[this.current.Version] = this.current;
    }

    public CompiledPolicy Current => this.current;

    public string? LastError { get; private set; }

    public CompiledPolicy? Version(string version) => this.versions.GetValueOrDefault(version);

    public CompiledPolicy Pin(string text, string source)
    {
        CompiledPolicy loaded = CompiledPolicy.Load(text, source);
        return this.versions.GetOrAdd(loaded.Version, loaded);
    }

    public string? TryLoad(string text, string source)
    {
        try
        {
            CompiledPolicy loaded = CompiledPolicy.Load(text, source);
            if (loaded.Version == this.current.Version && loaded.Text != this.current.Text)
            {
                throw new PolicyLoadException(source, 1, $"version '{loaded.Version}' is already in force with different content; give the new document a new version");
            }

            if (loaded.Version != this.current.Version)
            {
                this.versions[loaded.Version] = loaded;
                this.current = loaded;
                this.LogLoaded(loaded.Version, source);
            }

            this.LastError = null;
            return null;
        }
        catch (PolicyLoadException e)
        {
            this.LastError = e.Message;
            this.LogRefused(e.Message, this.current.Version);
            return e.Message;
        }
    }

    internal static (string Text, string Source) Read(PolicyOptions options) =>
        !string.IsNullOrWhiteSpace(options.Document)
            ? (options.Document, "settings:Policy:Document")
            : (File.ReadAllText(RepositoryPaths.Resolve(options.Path)), options.Path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Policy {Version} loaded from {Source}")]
    partial void LogLoaded(string version, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Policy refused: {Reason}. Version {Version} stays in force.")]
    partial void LogRefused(string reason, string version);
}

/// <summary>Checks the policy file for a new version every few seconds.</summary>
public sealed class PolicyReloader(IPolicyStore store, IOptions<PolicyOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.Document))
        {
            return;
        }

        string path = RepositoryPaths.Resolve(options.Value.Path);
        DateTime seen = File.GetLastWriteTimeUtc(path);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(0.5, options.Value.ReloadSeconds)));
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            DateTime modified = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : seen;
            if (modified != seen)
            {
                seen = modified;
                store.TryLoad(await File.ReadAllTextAsync(path, stoppingToken).ConfigureAwait(false), options.Value.Path);
            }
        }
    }
}
