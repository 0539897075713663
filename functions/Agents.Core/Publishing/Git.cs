using Agents.Core.Credentials;
using Agents.Core.Tools;

namespace Agents.Core.Publishing;

/// <summary>
/// Runs git for the publishers: no prompts, no system config, tracing off, and an optional token given to git through
/// its environment (an <c>http.&lt;url&gt;.extraHeader</c> set with <c>GIT_CONFIG_COUNT</c>), never on its command
/// line or in a URL. Whatever git prints is scrubbed of the token before it goes anywhere.
/// </summary>
internal static class Git
{
    static readonly string[] Identity = ["-c", "user.name=AgentFunctions", "-c", "user.email=agent@agentfunctions.local", "-c", "commit.gpgsign=false"];

    public static async Task<ProcessResult> RunAsync(
        string executable,
        string directory,
        IEnumerable<string> arguments,
        CancellationToken cancellationToken,
        TimeSpan? timeout = null,
        PushAuth? auth = null)
    {
        string[] args = [.. arguments];
        var environment = new Dictionary<string, string>
        {
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_ASKPASS"] = "true",
            ["GIT_TRACE"] = "0",
            ["GIT_TRACE_CURL"] = "0",
            ["GIT_TRACE_PACKET"] = "0",
            ["GIT_CURL_VERBOSE"] = "0",
            ["GIT_TRACE_REDACT"] = "1",
        };
        if (auth is not null)
        {
            foreach ((string key, string value) in auth.Environment())
            {
                environment[key] = value;
            }
        }

        ProcessResult result = await ProcessRunner.RunAsync(executable, args, directory, timeout ?? TimeSpan.FromSeconds(60), environment: environment, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            string command = string.Join(' ', args.Where(a => a != "-c" && !a.StartsWith("user.", StringComparison.Ordinal) && !a.StartsWith("commit.", StringComparison.Ordinal)));
            string message = $"git {command} failed{(result.TimedOut ? " (timed out)" : string.Empty)}: {result.Output.Trim()}";
            throw new PublishException(auth?.Scrub(message) ?? message);
        }

        return auth is null ? result : result with { Output = auth.Scrub(result.Output) };
    }

    /// <summary>In a clone: a new branch, the patch applied (checked first), one commit; returns the commit id.</summary>
    public static async Task<string> CommitPatchAsync(string executable, string work, PullRequestDraft draft, CancellationToken cancellationToken)
    {
        await RunAsync(executable, work, ["checkout", "--quiet", "-b", draft.Branch], cancellationToken).ConfigureAwait(false);
        if (await ScratchCopy.ApplyAsync(work, draft.Patch, cancellationToken).ConfigureAwait(false) is { } error)
        {
            throw new PublishException(error);
        }

        await RunAsync(executable, work, ["add", "-A"], cancellationToken).ConfigureAwait(false);
        await RunAsync(executable, work, [.. Identity, "commit", "--quiet", "-m", draft.Title, "-m", draft.Body.Length == 0 ? "Prepared by AgentFunctions." : draft.Body], cancellationToken)
            .ConfigureAwait(false);
        ProcessResult head = await RunAsync(executable, work, ["rev-parse", "HEAD"], cancellationToken).ConfigureAwait(false);
        return head.Output.Trim();
    }

    public static string[] IdentityArguments => Identity;

    /// <summary>The first 40-hex commit of <c>git ls-remote --heads</c> output, or null.</summary>
    public static string? FirstCommit(string lsRemoteOutput)
    {
        string line = lsRemoteOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;
        return line.Length >= 40 ? line[..40] : null;
    }
}

/// <summary>
/// A token for git over HTTPS: GitHub's documented header (<c>Authorization: basic base64(x-access-token:TOKEN)</c>),
/// configured for the remote's origin only, through git's environment.
/// </summary>
internal sealed class PushAuth(Uri remote, SecretValue token)
{
    readonly string encoded = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"x-access-token:{token.Reveal()}"));

    public IEnumerable<KeyValuePair<string, string>> Environment()
    {
        if (remote.Scheme != Uri.UriSchemeHttps && remote.Scheme != Uri.UriSchemeHttp)
        {
            yield break; // a file or ssh remote (tests, mirrors): no HTTP, no header
        }

        yield return new("GIT_CONFIG_COUNT", "1");
        yield return new("GIT_CONFIG_KEY_0", $"http.{remote.GetLeftPart(UriPartial.Authority)}/.extraheader");
        yield return new("GIT_CONFIG_VALUE_0", $"Authorization: basic {this.encoded}");
    }

    public string Scrub(string text) =>
        token.Scrub(text).Replace(this.encoded, "[redacted]", StringComparison.Ordinal);
}

/// <summary>A temporary folder, deleted (best effort) when disposed.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("agentfn-pr-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(this.Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
