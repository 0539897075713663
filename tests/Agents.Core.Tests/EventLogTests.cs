using Agents.Core.Contracts;
using Agents.Core.Redaction;
using Agents.Core.Storage;
using Agents.Testing;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests;

[Collection(PlatformCollection.Name)]
public sealed class EventLogTests(PlatformFixture platform)
{
    [Fact]
    public async Task Append_TwoWritersAtOnce_KeepOneUnbrokenChainWithEveryEventOnce()
    {
        string session = "log-" + Guid.NewGuid().ToString("N")[..10];
        // Two log instances stand for two hosts: they share nothing but the blob.
        BlobEventLog first = this.NewLog(), second = this.NewLog();

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            (i % 2 == 0 ? first : second).AppendAsync(session, [Draft(session, $"e{i}")])));
        IReadOnlyList<AgentEvent> events = await this.NewLog().ReadAsync(session);

        Assert.Equal(40, events.Count);
        EventLogAssert.IsIntactAndExactlyOnce(events);
    }

    [Fact]
    public async Task Append_SameIdsAgain_AppendsNothing()
    {
        string session = "log-" + Guid.NewGuid().ToString("N")[..10];
        BlobEventLog log = this.NewLog();
        await log.AppendAsync(session, [Draft(session, "a"), Draft(session, "b")]);

        // A retried activity (here from a fresh instance with a cold cache, as after a restart) sends them again.
        IReadOnlyList<AgentEvent> again = await this.NewLog().AppendAsync(session, [Draft(session, "a"), Draft(session, "b"), Draft(session, "c")]);

        Assert.Equal(["c"], again.Select(e => e.Id));
        Assert.Equal(["a", "b", "c"], (await log.ReadAsync(session)).Select(e => e.Id));
    }

    [Fact]
    public async Task Payloads_SameContentTwice_IsStoredOnceUnderItsHash()
    {
        var store = new BlobPayloadStore(this.Containers());
        PayloadRef first = await store.PutTextAsync("payload-test", "hello");
        PayloadRef second = await store.PutTextAsync("payload-test", "hello");

        Assert.Equal(first, second);
        Assert.Equal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", first.Sha256);
        Assert.Equal("hello", await store.GetTextAsync("payload-test", first));
        Assert.Null(await store.GetAsync("other-session", first.Sha256));
    }

    [Fact]
    public async Task Append_DraftWithPersonalData_StoresItRedactedAndTheChainStillVerifies()
    {
        // Arrange
        BlobEventLog log = new(this.Containers(), new Redactor([SecretsCorpus.ConfiguredPattern]));
        string session = $"redact-{Guid.NewGuid():N}";
        EventDraft draft = Draft(session, "e1") with
        {
            Summary = $"mail {SecretsCorpus.Values["email"]}",
            Actor = SecretsCorpus.Values["email"],
            Inputs = new Dictionary<string, string> { ["ticket"] = SecretsCorpus.Text("ticket") },
            Outputs = new Dictionary<string, string> { ["customer"] = SecretsCorpus.CustomerId },
        };

        // Act
        await log.AppendAsync(session, [draft]);
        IReadOnlyList<AgentEvent> stored = await log.ReadAsync(session);

        // Assert
        AgentEvent e = Assert.Single(stored);
        Assert.Equal("mail [email]", e.Summary);
        Assert.Equal("[email]", e.Actor);
        Assert.Equal("[redacted]", e.Outputs!["customer"]);
        Assert.DoesNotContain(SecretsCorpus.Values.Values, v => e.Inputs!["ticket"].Contains(v, StringComparison.Ordinal));
        EventLogAssert.IsIntactAndExactlyOnce(stored);
    }

    [Fact]
    public async Task Payloads_PrivateKind_AreReadableByTheCoreAndMarkedPrivate()
    {
        // Arrange
        var store = new BlobPayloadStore(this.Containers());

        // Act
        PayloadRef prompt = await store.PutPrivateTextAsync("payload-test", "[system] private prompt", PayloadKinds.Prompt);
        PayloadRef file = await store.PutTextAsync("payload-test", "a public file");

        // Assert
        Assert.Equal("[system] private prompt", await store.GetTextAsync("payload-test", prompt));
        Assert.True((await store.ReadAsync("payload-test", prompt.Sha256))!.IsPrivate);
        Assert.False((await store.ReadAsync("payload-test", file.Sha256))!.IsPrivate);
    }

    BlobEventLog NewLog() => new(this.Containers(), Redactor.Default);

    BlobContainers Containers() => new(Options.Create(new StorageOptions { ConnectionString = platform.Azurite.ConnectionString }));

    static EventDraft Draft(string session, string id) => new(id, "test.event", session, $"event {id}");
}
