using System.Text.Json;
using Agents.Core.Activities;
using Agents.Core.Contracts;
using Agents.Core.Tests.Streaming;
using Agents.Core.Tools;
using Agents.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests.Jobs;

/// <summary>A running job's output reaches the event log while it runs: batched, redacted, bounded; the job runs in a scratch copy.</summary>
[Collection(StreamingCollection.Name)]
public sealed class JobProgressTests(StreamingFixture fixture)
{
    [Fact]
    public async Task JobProgress_JobStillRunning_FlushesAPartialBatchAfterTheInterval()
    {
        // Arrange: the job prints two lines, then waits for a gate the test opens only after seeing them.
        string gate = Path.Combine(Directory.CreateTempSubdirectory("agentfn-gate-").FullName, "open");
        var sink = new RecordingProgress();
        var progress = new JobProgress(sink, new ProgressLimits(Lines: 100, Interval: TimeSpan.FromMilliseconds(200), MaxChars: 10_000));
        Task<ProcessResult> job = ProcessRunner.RunAsync(
            "/bin/sh", ["-c", $"echo compiling; echo running 3 tests; while [ ! -e '{gate}' ]; do sleep 0.05; done; echo finished"],
            Path.GetTempPath(), TimeSpan.FromSeconds(120), onLine: progress.Add);

        // Act
        IReadOnlyList<ProgressChunk> whileRunning = await Eventually.MatchAsync(() => Task.FromResult(sink.Chunks), c => c.Count >= 1, TimeSpan.FromSeconds(30), "first chunk");
        bool jobWasRunning = !job.IsCompleted;
        await File.WriteAllTextAsync(gate, "");
        ProcessResult result = await job;
        await progress.DisposeAsync();

        // Assert
        Assert.True(jobWasRunning);
        Assert.Equal(["compiling", "running 3 tests"], whileRunning[0].Lines);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["compiling", "running 3 tests", "finished"], sink.Chunks.SelectMany(c => c.Lines));
        Assert.Equal(Enumerable.Range(1, sink.Chunks.Count), sink.Chunks.Select(c => c.Number));
    }

    [Fact]
    public async Task JobProgress_ManyLines_BatchesByLineCountAndStopsAtTheCharacterBound()
    {
        // Arrange: 200 lines of 8 characters + newline; batches of 10 lines; 455 characters in all (50 lines and a bit).
        var sink = new RecordingProgress();
        var progress = new JobProgress(sink, new ProgressLimits(Lines: 10, Interval: TimeSpan.FromSeconds(30), MaxChars: 455));

        // Act
        ProcessResult result = await ProcessRunner.RunAsync(
            "/bin/sh", ["-c", "i=100; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done"], Path.GetTempPath(), TimeSpan.FromSeconds(60), onLine: progress.Add);
        await progress.DisposeAsync();

        // Assert
        Assert.Equal(0, result.ExitCode);
        Assert.All(sink.Chunks, c => Assert.True(c.Lines.Count <= 10));
        Assert.Equal(51, sink.Chunks.SelectMany(c => c.Lines).Count());
        Assert.True(sink.Chunks.SelectMany(c => c.Lines).Sum(l => l.Length + 1) <= 455);
        Assert.True(sink.Chunks[^1].Cut);
        Assert.All(sink.Chunks.SkipLast(1), c => Assert.False(c.Cut));
        Assert.Equal(["line-149", "line"], sink.Chunks.SelectMany(c => c.Lines).TakeLast(2));
        Assert.Contains("line-299", result.Output); // the step's own result keeps everything
    }

    [Fact]
    public async Task RunTests_WithProgressIntoARealLog_RunsInAThrowAwayCopyAndLogsRedactedProgress()
    {
        // Arrange: a test command that shows where it runs, leaves a file behind and prints a secret and an email.
        Streams streams = fixture.NewStreams();
        string session = Streams.NewSession();
        var options = new WorkspaceOptions
        {
            TestCommand = "pwd; echo \"tmp=$TMPDIR\"; echo 'connecting with password=hunter2hunter2 as dana@contoso.com'; touch made-by-the-job; python3 -m unittest discover -s tests -t .",
            ProgressLines = 2,
        };
        var workspace = new RepositoryWorkspace(Options.Create(options));
        var step = new PlanStep("tests", "run_tests", "{}", [], null, false);
        var log = streams.NewLog();
        using JsonDocument args = JsonDocument.Parse("{}");
        var invocation = new ToolInvocation(
            new SessionMetadata(session, "dana", "contoso", RiskTier.Low, DataSensitivity.Internal, "inventory-service", null, new BudgetLimits(1, 1, 1, 1), DateTime.UnixEpoch),
            1, step, args.RootElement, "", [], (_, _) => Task.FromResult(""), null)
        {
            Progress = new StepProgressLog(log, NullLogger.Instance, session, 1, 0, step),
        };

        // Act
        ToolOutput output = await new RunTestsTool(workspace).RunAsync(invocation, CancellationToken.None);
        IReadOnlyList<AgentEvent> events = await log.ReadAsync(session);

        // Assert: it ran, elsewhere, and left nothing behind
        Assert.True(output.Succeeded, output.Error);
        string ranIn = output.Content.Split('\n')[1].Trim();
        string repository = workspace.RootOf("inventory-service");
        Assert.False(Path.GetFullPath(ranIn).StartsWith(Path.GetFullPath(repository), StringComparison.Ordinal), ranIn);
        Assert.False(Directory.Exists(ranIn));
        Assert.False(File.Exists(Path.Combine(repository, "made-by-the-job")));
        Assert.Contains($"tmp={ranIn}/.job-tmp", output.Content);

        // Assert: progress events, redacted, in order, each naming the step
        AgentEvent[] progress = events.Where(e => e.Type == EventTypes.StepProgress).ToArray();
        Assert.NotEmpty(progress);
        Assert.All(progress, e => Assert.Equal("tests", e.Step));
        Assert.Equal(Enumerable.Range(1, progress.Length).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), progress.Select(e => e.Outputs!["chunk"]));
        string logged = string.Join('\n', progress.Select(e => e.Outputs!["output"]));
        Assert.Contains(ranIn, logged);
        Assert.Contains("[email]", logged);
        Assert.DoesNotContain("dana@contoso.com", logged);
        Assert.DoesNotContain("hunter2hunter2", logged);
        Assert.Contains("OK", logged);
    }

    sealed class RecordingProgress : IStepProgress
    {
        readonly List<ProgressChunk> chunks = [];

        public IReadOnlyList<ProgressChunk> Chunks
        {
            get
            {
                lock (this.chunks)
                {
                    return [.. this.chunks];
                }
            }
        }

        public Task ReportAsync(ProgressChunk chunk, CancellationToken cancellationToken)
        {
            lock (this.chunks)
            {
                this.chunks.Add(chunk);
            }

            return Task.CompletedTask;
        }
    }
}
