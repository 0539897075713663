using Agents.Core.Contracts;
using Agents.Core.Redaction;
using Agents.Core.Storage;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests;

/// <summary>A log written by the real event log on Azurite, then tampered with in the blob as an attacker would.</summary>
[Collection(PlatformCollection.Name)]
public sealed class EventChainTests(PlatformFixture platform)
{
    [Fact]
    public async Task Verify_UntouchedLog_IsValid()
    {
        (string session, IReadOnlyList<string> lines) = await this.WriteLogAsync(6);

        ChainVerification report = EventChain.Verify(session, lines);

        Assert.True(report.Valid, string.Join("; ", report.Problems.Select(p => p.Detail)));
        Assert.Equal(6, report.Events);
    }

    [Fact]
    public async Task Verify_EditedEvent_IsFoundAtItsLine()
    {
        (string session, IReadOnlyList<string> lines) = await this.WriteLogAsync(6);
        string[] tampered = [.. lines];
        tampered[2] = tampered[2].Replace("event e2", "event e2 (nothing to see here)", StringComparison.Ordinal);
        await this.OverwriteAsync(session, tampered);

        ChainVerification report = EventChain.Verify(session, await this.NewLog().ReadLinesAsync(session));

        ChainProblem problem = Assert.Single(report.Problems);
        Assert.False(report.Valid);
        Assert.Equal((3, 3L, ChainProblemKind.Edited), (problem.Line, problem.Seq!.Value, problem.Kind));
    }

    [Fact]
    public async Task Verify_DroppedEvent_SaysWhichIsMissing()
    {
        (string session, IReadOnlyList<string> lines) = await this.WriteLogAsync(6);
        await this.OverwriteAsync(session, lines.Where((_, i) => i != 3).ToArray());

        ChainVerification report = EventChain.Verify(session, await this.NewLog().ReadLinesAsync(session));

        ChainProblem problem = Assert.Single(report.Problems);
        Assert.Equal((ChainProblemKind.Dropped, 5L), (problem.Kind, problem.Seq!.Value));
        Assert.Contains("event 4 is missing", problem.Detail);
    }

    [Fact]
    public async Task Verify_DuplicatedEvent_IsFound()
    {
        (string session, IReadOnlyList<string> lines) = await this.WriteLogAsync(5);
        await this.OverwriteAsync(session, [.. lines.Take(3), lines[2], .. lines.Skip(3)]);

        ChainVerification report = EventChain.Verify(session, await this.NewLog().ReadLinesAsync(session));

        ChainProblem problem = Assert.Single(report.Problems);
        Assert.Equal((ChainProblemKind.Duplicated, 4), (problem.Kind, problem.Line));
    }

    [Fact]
    public async Task Verify_ReorderedEvents_AreFound()
    {
        (string session, IReadOnlyList<string> lines) = await this.WriteLogAsync(5);
        await this.OverwriteAsync(session, [lines[0], lines[2], lines[1], lines[3], lines[4]]);

        ChainVerification report = EventChain.Verify(session, await this.NewLog().ReadLinesAsync(session));

        Assert.False(report.Valid);
        Assert.Contains(report.Problems, p => p.Kind == ChainProblemKind.Reordered && p.Line == 3);
    }

    [Fact]
    public async Task Verify_RewrittenChainAfterAnEdit_StillBreaksWhereTheEditorStopped()
    {
        // An editor who rehashes the edited event but not the ones after it leaves the next event unlinked.
        (string session, IReadOnlyList<string> lines) = await this.WriteLogAsync(4);
        var events = lines.Select(l => System.Text.Json.JsonSerializer.Deserialize<AgentEvent>(l, JsonDefaults.Web)!).ToList();
        AgentEvent forged = events[1] with { Summary = "approved by ceo" };
        forged = forged with { Hash = EventLogHash.Compute(forged, forged.PrevHash) };
        string[] tampered = [.. lines];
        tampered[1] = System.Text.Json.JsonSerializer.Serialize(forged, JsonDefaults.Web);
        await this.OverwriteAsync(session, tampered);

        ChainVerification report = EventChain.Verify(session, await this.NewLog().ReadLinesAsync(session));

        ChainProblem problem = Assert.Single(report.Problems);
        Assert.Equal((ChainProblemKind.Unlinked, 3), (problem.Kind, problem.Line));
    }

    async Task<(string Session, IReadOnlyList<string> Lines)> WriteLogAsync(int count)
    {
        string session = "chain-" + Guid.NewGuid().ToString("N")[..10];
        BlobEventLog log = this.NewLog();
        foreach (int i in Enumerable.Range(0, count))
        {
            await log.AppendAsync(session, [new EventDraft($"e{i}", "test.event", session, $"event e{i}")]);
        }

        return (session, await log.ReadLinesAsync(session));
    }

    async Task OverwriteAsync(string session, IReadOnlyList<string> lines)
    {
        BlobContainerClient container = this.Containers().Service.GetBlobContainerClient(this.Containers().Names.EventsContainer);
        await container.GetBlobClient($"{session}.jsonl").UploadAsync(BinaryData.FromString(string.Concat(lines.Select(l => l + "\n"))), overwrite: true);
    }

    BlobEventLog NewLog() => new(this.Containers(), Redactor.Default);

    BlobContainers Containers() => new(Options.Create(new StorageOptions { ConnectionString = platform.Azurite.ConnectionString }));
}
