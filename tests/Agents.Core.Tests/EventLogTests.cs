using Agents.Core.Contracts;
using Agents.Core.Storage;
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

    BlobEventLog NewLog() => new(this.Containers());

    BlobContainers Containers() => new(Options.Create(new StorageOptions { ConnectionString = platform.Azurite.ConnectionString }));

    static EventDraft Draft(string session, string id) => new(id, "test.event", session, $"event {id}");
}
