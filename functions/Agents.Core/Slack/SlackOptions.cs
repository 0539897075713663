namespace Agents.Core.Slack;

/// <summary>Section <c>Slack</c>: where approval requests are posted and how Slack's callbacks are authenticated.</summary>
public sealed class SlackOptions
{
    public const string Section = "Slack";

    /// <summary>Slack's Web API; locally the portable host's simulator (<c>http://127.0.0.1:7071/slack-api</c>).</summary>
    public Uri ApiBaseUrl { get; set; } = new("https://slack.com/api/");

    /// <summary>Bot token (xoxb-...); from Key Vault in Azure, from the environment locally. Never committed.</summary>
    public string? BotToken { get; set; }

    /// <summary>The app's signing secret, to verify Slack's requests; from Key Vault in Azure. Never committed.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>Channel the approval requests go to.</summary>
    public string Channel { get; set; } = "#agent-approvals";

    /// <summary>Requests older than this are refused (replay protection, as Slack recommends).</summary>
    public int MaxAgeSeconds { get; set; } = 300;

    /// <summary>
    /// Slack user ids (<c>U...</c>) who may approve or revise, separated by commas or spaces. A click or modal from anyone
    /// else changes nothing and is answered so: being able to see the channel is not the approver role. Empty: no Slack
    /// user can decide (decide through the API with the approver role).
    /// </summary>
    public string Approvers { get; set; } = string.Empty;

    /// <summary>Serve a local stand-in for Slack's Web API (portable host only): it records what is posted.</summary>
    public bool Simulator { get; set; }

    /// <summary>
    /// A file the simulator appends every call to (one JSON line each) and reloads its messages from when the host
    /// starts, so its record of posts and updates survives a restart of the host (the crash-recovery run counts them).
    /// None by default: the record lives in memory only.
    /// </summary>
    public string? SimulatorJournal { get; set; }

    /// <summary>Base URL of this platform as people reach it, for links in messages (the session's page in the replay UI).</summary>
    public Uri PublicBaseUrl { get; set; } = new("http://localhost:7071");

    /// <summary>True when <paramref name="userId"/> is listed in <see cref="Approvers"/>.</summary>
    public bool IsApprover(string? userId) =>
        !string.IsNullOrEmpty(userId) && this.Approvers.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries).Contains(userId, StringComparer.Ordinal);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(this.SigningSecret) && !string.IsNullOrWhiteSpace(this.BotToken);
}
