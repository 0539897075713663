using Agents.Core.LongTermMemory;
using Azure.Core;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Agents.Core.Tests.LongTermMemory;

public sealed class CosmosProbeTests(ITestOutputHelper output)
{
    sealed class FakeCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => new("fake-entra-token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(this.GetToken(requestContext, cancellationToken));
    }

    [Fact]
    public async Task Probe()
    {
        var gateway = new FakeCosmosGateway();
        CosmosClientOptions options = CosmosMemoryIndex.ClientOptions();
        options.ConnectionMode = ConnectionMode.Gateway;
        options.LimitToEndpoint = true;
        options.HttpClientFactory = () => new HttpClient(gateway, disposeHandler: false);
        using var client = new CosmosClient(FakeCosmosGateway.Endpoint, new FakeCredential(), options);
        var index = new CosmosMemoryIndex(client, SharedEmbedder.Instance, Options.Create(new MemoryOptions()), NullLogger<CosmosMemoryIndex>.Instance);
        gateway.SearchRows.Add(System.Text.Json.Nodes.JsonNode.Parse("""{"path":"a.py","startLine":1,"endLine":4,"text":"x","score":0.5}""")!.AsObject());
        try
        {
            var hits = await index.SearchAsync("repo", "hello", 3);
            output.WriteLine($"hits: {string.Join(", ", hits)}");
        }
        catch (Exception e)
        {
            output.WriteLine(e.ToString());
        }

        foreach (var r in gateway.Requests)
        {
            output.WriteLine($"{r.Method} {r.Path} {string.Join(" ", r.Headers.Where(h => h.Key.StartsWith("x-ms") || h.Key == "authorization").Select(h => h.Key + "=" + h.Value))}\n   {r.Body[..Math.Min(400, r.Body.Length)]}");
        }
    }
}
