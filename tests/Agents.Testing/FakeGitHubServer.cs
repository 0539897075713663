using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Agents.Testing;

/// <summary>A request the fake GitHub received: method, path and query (after Octokit's <c>api/v3</c> prefix), Authorization, body.</summary>
public sealed record GitHubRequest(string Method, string Path, string Query, string? Authorization, string Body);

/// <summary>
/// Answers the GitHub REST calls the pull-request publisher makes through Octokit, on loopback (Kestrel, plain HTTP,
/// a free port): list pull requests by head, get a branch reference, create a pull request. Branches are read from a
/// real bare repository (what git pushed to), pull requests are kept in memory. Octokit treats a base address that is
/// not github.com as GitHub Enterprise and prefixes <c>api/v3/</c>; that prefix is accepted and dropped. Every request
/// is recorded (<see cref="Requests"/>); <see cref="FailWith"/> makes every answer an error.
/// </summary>
public sealed class FakeGitHubServer : IAsyncDisposable
{
    readonly string bareRepository;
    readonly Lock gate = new();
    readonly List<GitHubRequest> requests = [];
    readonly List<JsonObject> pulls = [];
    (int Status, string Message)? failure;

    LoopbackServer server = null!;

    FakeGitHubServer(string bareRepository) => this.bareRepository = bareRepository;

    public Uri BaseAddress => this.server.BaseAddress;

    public IReadOnlyList<GitHubRequest> Requests
    {
        get
        {
            lock (this.gate)
            {
                return [.. this.requests];
            }
        }
    }

    public static async Task<FakeGitHubServer> StartAsync(string bareRepository)
    {
        var fake = new FakeGitHubServer(bareRepository);
        fake.server = await LoopbackServer.StartAsync(app => app.MapFallback(fake.HandleAsync));
        return fake;
    }

    /// <summary>
    /// A careless server: the pull request's <c>html_url</c> carries the caller's token, as a misconfigured proxy might.
    /// Used to prove that a secret handed back by a remote system is still scrubbed before it is logged.
    /// </summary>
    public bool EchoTokenInUrl { get; set; }

    /// <summary>Every request from now on gets this status and a GitHub-style error whose message is <paramref name="message"/>.</summary>
    public void FailWith(int status, string message)
    {
        lock (this.gate)
        {
            this.failure = (status, message);
        }
    }

    public ValueTask DisposeAsync() => this.server.DisposeAsync();

    async Task HandleAsync(HttpContext context)
    {
        string path = Uri.UnescapeDataString(context.Request.Path.Value ?? string.Empty);
        if (path.StartsWith("/api/v3", StringComparison.Ordinal))
        {
            path = path["/api/v3".Length..];
        }

        string body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
        var request = new GitHubRequest(context.Request.Method, path, context.Request.QueryString.Value ?? string.Empty, context.Request.Headers.Authorization.ToString(), body);
        (int Status, string Message)? fail;
        lock (this.gate)
        {
            this.requests.Add(request);
            fail = this.failure;
        }

        if (fail is { } f)
        {
            await Json(context, f.Status, new JsonObject { ["message"] = f.Message, ["documentation_url"] = "https://docs.github.com/rest" });
            return;
        }

        string[] parts = path.Trim('/').Split('/');
        if (parts.Length < 4 || parts[0] != "repos")
        {
            await Json(context, 404, new JsonObject { ["message"] = "Not Found" });
            return;
        }

        string owner = parts[1], repo = parts[2];
        string rest = string.Join('/', parts[3..]);
        if (rest == "pulls" && request.Method == "GET")
        {
            string? head = context.Request.Query["head"];
            JsonArray found;
            lock (this.gate)
            {
                found = new JsonArray([.. this.pulls.Where(p => head is null || $"{owner}:{p["head"]!["ref"]}" == head).Select(p => (JsonNode)p.DeepClone())]);
            }

            await Json(context, 200, found);
        }
        else if (rest == "pulls" && request.Method == "POST")
        {
            JsonNode input = JsonNode.Parse(body)!;
            string branch = input["head"]!.GetValue<string>();
            string? sha = BranchCommit(this.bareRepository, branch);
            if (sha is null)
            {
                await Json(context, 422, new JsonObject { ["message"] = "Validation Failed", ["errors"] = new JsonArray(new JsonObject { ["field"] = "head", ["code"] = "invalid" }) });
                return;
            }

            JsonObject pr;
            lock (this.gate)
            {
                int number = this.pulls.Count + 1;
                pr = new JsonObject
                {
                    ["id"] = 1000 + number,
                    ["number"] = number,
                    ["state"] = "open",
                    ["title"] = input["title"]!.GetValue<string>(),
                    ["body"] = input["body"]?.GetValue<string>(),
                    ["html_url"] = this.EchoTokenInUrl
                        ? $"https://github.example/{owner}/{repo}/pull/{number}?t={request.Authorization?.Replace("Bearer ", string.Empty, StringComparison.Ordinal)}"
                        : $"https://github.example/{owner}/{repo}/pull/{number}",
                    ["url"] = $"{this.BaseAddress}api/v3/repos/{owner}/{repo}/pulls/{number}",
                    ["created_at"] = "2026-11-26T10:00:00Z",
                    ["updated_at"] = "2026-11-26T10:00:00Z",
                    ["head"] = new JsonObject { ["ref"] = branch, ["sha"] = sha, ["label"] = $"{owner}:{branch}" },
                    ["base"] = new JsonObject { ["ref"] = input["base"]!.GetValue<string>(), ["sha"] = BranchCommit(this.bareRepository, input["base"]!.GetValue<string>()), ["label"] = $"{owner}:main" },
                };
                this.pulls.Add(pr);
            }

            await Json(context, 201, pr.DeepClone());
        }
        else if ((rest.StartsWith("git/ref/heads/", StringComparison.Ordinal) || rest.StartsWith("git/refs/heads/", StringComparison.Ordinal)) && request.Method == "GET")
        {
            string branch = rest[(rest.IndexOf("heads/", StringComparison.Ordinal) + "heads/".Length)..];
            string? sha = BranchCommit(this.bareRepository, branch);
            await (sha is null
                ? Json(context, 404, new JsonObject { ["message"] = "Not Found" })
                : Json(context, 200, new JsonObject
                {
                    ["ref"] = $"refs/heads/{branch}",
                    ["url"] = $"{this.BaseAddress}api/v3/repos/{owner}/{repo}/git/refs/heads/{branch}",
                    ["object"] = new JsonObject { ["sha"] = sha, ["type"] = "commit" },
                }));
        }
        else
        {
            await Json(context, 404, new JsonObject { ["message"] = "Not Found" });
        }
    }

    static string? BranchCommit(string bareRepository, string branch)
    {
        var start = new ProcessStartInfo("git", ["--git-dir", bareRepository, "rev-parse", "--verify", "--quiet", $"refs/heads/{branch}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 && output.Length == 40 ? output : null;
    }

    static async Task Json(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }
}
