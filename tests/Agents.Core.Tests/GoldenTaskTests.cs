using System.Text.Json.Nodes;
using Agents.Core.Hosting;
using Agents.Core.Models;
using Agents.Core.Tools;

namespace Agents.Core.Tests;

/// <summary>
/// Fast checks of the golden task set (samples/golden/tasks.json) without a host: every task has its ticket, its
/// repository and the recordings its turn will ask for; every recorded patch applies to its repository and the
/// repository's tests pass with it. The end-to-end run is AgentHost.Tests' GoldenEvalTests.
/// </summary>
public sealed class GoldenTaskTests
{
    static readonly string Root = RepositoryPaths.Root;
    static readonly string RecordingsFolder = Path.Combine(Root, "samples", "recordings");
    static readonly IReadOnlyList<Recording> Recordings = OfflineChatClient.Load([RecordingsFolder], new TokenCounter()).Recordings;
    const string TestCommand = "python3 -m unittest discover -s tests -t .";

    static JsonArray Tasks => JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "samples", "golden", "tasks.json")))!["tasks"]!.AsArray();

    public static TheoryData<string> TaskIds => [.. Tasks.Select(t => (string)t!["id"]!)];

    public static TheoryData<string> Repositories => [.. Tasks.Select(t => (string)t!["repository"]!).Distinct()];

    public static TheoryData<string> Patches => [.. Recordings.Where(r => r.Purpose == Planning.Prompts.PatchPurpose).Select(r => r.Name)];

    [Fact]
    public void Manifest_CoversTheRequiredKindsOverThreeRepositories()
    {
        // Arrange
        var tasks = Tasks.Select(t => t!).ToList();

        // Act
        var repositories = tasks.Select(t => (string)t["repository"]!).Distinct().ToList();
        var refused = tasks.Where(t => t["expect"]!["refused"]!.AsArray().Count > 0).ToList();
        var decisions = tasks.SelectMany(t => t["decisions"]!.AsArray().Select(d => (string)d!["decision"]!)).Distinct().ToList();

        // Assert
        Assert.True(tasks.Count >= 20, $"{tasks.Count} tasks");
        Assert.True(repositories.Count >= 3, string.Join(", ", repositories));
        Assert.True(refused.Count >= 3, "tasks the policy must refuse");
        Assert.Equal(["approve", "deny", "revise"], decisions.Order());
        Assert.Equal(tasks.Count, tasks.Select(t => (string)t["id"]!).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(TaskIds))]
    public void Task_HasItsTicketRepositoryAndRecordings(string id)
    {
        // Arrange
        JsonNode task = Tasks.Single(t => (string)t!["id"]! == id)!;
        string repository = (string)task["repository"]!;
        string ticketPath = Path.Combine(Root, (string)task["ticket"]!);
        JsonNode expect = task["expect"]!;

        // Act
        string ticket = File.ReadAllText(ticketPath);
        string ticketId = Path.GetFileNameWithoutExtension(ticketPath);

        // Assert: the ticket names the repository the session works on, and that repository exists.
        Assert.Contains($"Repository: {repository}\n", ticket);
        Assert.True(Directory.Exists(Path.Combine(Root, "samples", "repos", repository)), repository);

        // The recordings the turn asks for are this ticket's (most specific match, as the offline model picks).
        // (The planner's prompt lists the tools it may use: the load-shedding recording needs search_code missing.)
        Assert.StartsWith(ticketId + " ", Served("plan", $"- search_code: search\n{ticket}").Name);
        Assert.StartsWith(ticketId + " ", Served("summarize", $"Ticket:\n{ticket}\n\nOUTCOME: {(string)expect["outcome"]!}\n").Name);
        if (expect["files"]!.AsArray().Count > 0)
        {
            Assert.StartsWith(ticketId + " ", Served("draft_patch", ticket).Name);
        }

        foreach (JsonNode? decision in task["decisions"]!.AsArray().Where(d => (string)d!["decision"]! == "revise"))
        {
            Recording revised = Served("plan", $"- search_code: search\n{ticket}\nReviewer rationale: {(string)decision!["rationale"]!}\n");
            Assert.StartsWith(ticketId + " ", revised.Name);
            Assert.Contains("revised", revised.Name);
        }
    }

    [Theory]
    [MemberData(nameof(Repositories))]
    public async Task Repository_TestsPassAsShipped(string repository)
    {
        // Arrange
        using var copy = new Scratch(repository);

        // Act
        ProcessResult result = await ProcessRunner.RunAsync("sh", ["-c", TestCommand], copy.Path, TimeSpan.FromSeconds(60));

        // Assert
        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Theory]
    [MemberData(nameof(Patches))]
    public async Task RecordedPatch_AppliesToItsRepositoryAndItsTestsPass(string name)
    {
        // Arrange: a recording's repository is the file it is kept in (samples/recordings/<repository>.json).
        Recording patch = Recordings.Single(r => r.Name == name);
        string repository = RepositoryOf(name);
        using var copy = new Scratch(repository);
        string patchFile = System.IO.Path.Combine(copy.Path, "..", "golden.patch");
        await File.WriteAllTextAsync(patchFile, patch.Response);

        // Act
        (IReadOnlyList<string> files, string? invalid) = UnifiedDiff.Validate(patch.Response, path => File.Exists(System.IO.Path.Combine(copy.Path, path)));
        ProcessResult apply = await ProcessRunner.RunAsync("git", ["apply", "--whitespace=nowarn", patchFile], copy.Path, TimeSpan.FromSeconds(30));
        ProcessResult tests = await ProcessRunner.RunAsync("sh", ["-c", TestCommand], copy.Path, TimeSpan.FromSeconds(60));

        // Assert
        Assert.Null(invalid);
        Assert.NotEmpty(files);
        Assert.True(apply.ExitCode == 0, $"{name} does not apply to {repository}: {apply.Output}");
        Assert.True(tests.ExitCode == 0, $"{repository}'s tests fail with {name}: {tests.Output}");
    }

    Recording Served(string purpose, string prompt) =>
        Recordings.Where(r => r.Matches(purpose, prompt)).OrderByDescending(r => r.Specificity).FirstOrDefault()
        ?? throw new Xunit.Sdk.XunitException($"no '{purpose}' recording matches:\n{prompt}");

    static string RepositoryOf(string recordingName)
    {
        foreach (string file in Directory.EnumerateFiles(RecordingsFolder, "*.json"))
        {
            if (OfflineChatClient.Parse(File.ReadAllText(file), file).Any(r => r.Name == recordingName))
            {
                return System.IO.Path.GetFileNameWithoutExtension(file);
            }
        }

        throw new InvalidOperationException($"recording '{recordingName}' not found");
    }

    /// <summary>A throw-away copy of a sample repository.</summary>
    sealed class Scratch : IDisposable
    {
        readonly string parent = Directory.CreateTempSubdirectory("golden-").FullName;

        public Scratch(string repository)
        {
            this.Path = System.IO.Path.Combine(this.parent, repository);
            Copy(System.IO.Path.Combine(Root, "samples", "repos", repository), this.Path);
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(this.parent, recursive: true);

        static void Copy(string from, string to)
        {
            Directory.CreateDirectory(to);
            foreach (string file in Directory.EnumerateFiles(from))
            {
                File.Copy(file, System.IO.Path.Combine(to, System.IO.Path.GetFileName(file)));
            }

            foreach (string dir in Directory.EnumerateDirectories(from).Where(d => System.IO.Path.GetFileName(d) != "__pycache__"))
            {
                Copy(dir, System.IO.Path.Combine(to, System.IO.Path.GetFileName(dir)));
            }
        }
    }
}
