using System.ComponentModel.DataAnnotations;

namespace Agents.Core.Tools;

/// <summary>Section <c>Workspace</c>: the repositories the agent works on and where its pull requests go.</summary>
public sealed class WorkspaceOptions
{
    public const string Section = "Workspace";

    /// <summary>Folder holding one folder per repository the agent may work on (relative to the repository root).</summary>
    [Required]
    public string RepositoriesRoot { get; set; } = "samples/repos";

    /// <summary>Repository used when a session names none.</summary>
    [Required]
    public string DefaultRepository { get; set; } = "inventory-service";

    /// <summary>Folder of bare repositories that play the remote locally (<c>{name}.git</c>), with PR records beside them.</summary>
    [Required]
    public string RemotesRoot { get; set; } = ".local/remotes";

    /// <summary>Command that runs a repository's tests, in a scratch copy with the patch applied.</summary>
    [Required]
    public string TestCommand { get; set; } = "python3 -m unittest discover -s tests -t .";

    [Range(1, 3600)]
    public int TestTimeoutSeconds { get; set; } = 120;

    /// <summary>A running job's output goes to the event log as a <c>step.progress</c> event every this many lines...</summary>
    [Range(1, 10_000)]
    public int ProgressLines { get; set; } = 20;

    /// <summary>...or this long after the first line not yet logged, whichever comes first.</summary>
    [Range(50, 60_000)]
    public int ProgressIntervalMilliseconds { get; set; } = 1000;

    /// <summary>Most characters of a job's output logged as progress; beyond that one event says it was cut (the full output is the step's result).</summary>
    [Range(256, 1_000_000)]
    public int MaxProgressChars { get; set; } = 16 * 1024;

    [Range(1, 10_000_000)]
    public int MaxReadBytes { get; set; } = 64 * 1024;

    /// <summary>Environment (dev, stage, prod) a repository deploys to, as the policy sees it; unlisted ones are <see cref="DefaultEnvironment"/>.</summary>
    public Dictionary<string, string> Environments { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    [Required]
    public string DefaultEnvironment { get; set; } = "stage";
}
