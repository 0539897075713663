using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Testing;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentHost.Tests;

/// <summary>
/// A real turn fed personal data and secrets (in the ticket, in a file the turn reads, in the configured pattern's form):
/// none of it may appear in any sink: the event log blobs, exported spans, log records, Slack messages, API answers.
/// </summary>
[Collection(RedactedTurnCollection.Name)]
public sealed class RedactionSinkTests(RedactedTurnFixture turn)
{
    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task EventLogBlobs_AfterTurnWithSecrets_HoldNoneOfThem()
    {
        // Arrange
        BlobContainerClient container = new BlobServiceClient(turn.Azurite.ConnectionString).GetBlobContainerClient("agent-events");

        // Act
        var texts = new List<string>();
        await foreach (BlobItem blob in container.GetBlobsAsync())
        {
            texts.Add((await container.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToString());
        }

        string log = string.Join("\n", texts.Select(Decoded));

        // Assert
        AssertClean("event log", log);
        Assert.Contains("[email]", log); // the read file's preview was there, redacted
        Assert.Contains("[phone]", log);
    }

    [Fact]
    public void ExportedSpans_AfterTurnWithSecrets_HoldNoneOfThem()
    {
        // Act
        string spans = string.Join("\n", turn.Spans.Select(SpanText));

        // Assert
        AssertClean("spans", spans);
        Assert.Contains("[email]", spans); // the pull request's arguments, redacted
    }

    [Fact]
    public void LogRecords_WithSecretsInMessageAndState_HoldNoneOfThem()
    {
        // Arrange
        ILogger logger = turn.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Agents.Tests");
        string ticket = SecretsCorpus.Text("a ticket");

        // Act
        logger.LogWarning("Ticket from {Reporter}: {Ticket}", SecretsCorpus.Values["email"], ticket);
        logger.LogError(new InvalidOperationException($"could not reach {SecretsCorpus.Values["ipv4"]} with {SecretsCorpus.Values["openai"]}"), "Call failed");
        string logs = string.Join("\n", turn.Logs.Records.Select(r => r.AllText));

        // Assert
        AssertClean("logs", logs);
        Assert.Contains("[email]", logs);
        Assert.Contains("InvalidOperationException", logs);
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public void SlackMessages_AfterTurnWithSecrets_HoldNoneOfThem()
    {
        // Act
        var calls = turn.Slack.Calls.ToList();
        string slack = string.Join("\n", calls.Select(c => Decoded(c.Body.ToJsonString())));

        // Assert
        Assert.Contains(calls, c => c.Method == "chat.postMessage");
        Assert.Contains(calls, c => c.Method == "chat.update");
        AssertClean("Slack", slack);
        Assert.Contains("[email]", slack); // the approval card shows the arguments, redacted
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public void ApiResponses_AfterTurnWithSecrets_HoldNoneOfThem()
    {
        // Act
        var responses = turn.Responses.Select(r => (r.What, r.Status, r.Body, Text: Decoded(r.Body))).ToList();

        // Assert
        Assert.All(responses, r => AssertClean($"API {r.What} ({r.Status})", r.Text));
        Assert.Contains(responses, r => r.What.StartsWith("payload", StringComparison.Ordinal) && r.Status == 200 && r.Text.Contains("[card]", StringComparison.Ordinal));
        // The private working state (the prompt, the raw model answers the replay keeps) is refused, not served.
        var refused = responses.Where(r => r.Status == 403).Select(r => JsonNode.Parse(r.Body)!["detail"]!.GetValue<string>()).ToList();
        Assert.Contains(refused, d => d.Contains("a prompt", StringComparison.Ordinal));
        Assert.Contains(refused, d => d.Contains("a model_response", StringComparison.Ordinal));
    }

    static void AssertClean(string sink, string text)
    {
        // JSON inside a string keeps its escapes (a "+" stays \u002B): look for those forms too.
        var leaked = SecretsCorpus.Values
            .Where(v => text.Contains(v.Value, StringComparison.Ordinal) || text.Contains(v.Value.Replace("+", "\\u002B", StringComparison.Ordinal), StringComparison.Ordinal))
            .Select(v => v.Key).ToList();
        Assert.True(leaked.Count == 0, $"{sink} leaked: {string.Join(", ", leaked)}");
    }

    /// <summary>The text as written plus every JSON string value decoded (JSON escapes "+" and others).</summary>
    static string Decoded(string text)
    {
        var parts = new List<string> { text };
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                Collect(JsonNode.Parse(line), parts);
            }
            catch (JsonException)
            {
            }
        }

        try
        {
            Collect(JsonNode.Parse(text), parts);
        }
        catch (JsonException)
        {
        }

        return string.Join("\n", parts);
    }

    static void Collect(JsonNode? node, List<string> into)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (KeyValuePair<string, JsonNode?> p in obj)
                {
                    Collect(p.Value, into);
                }

                break;
            case JsonArray array:
                foreach (JsonNode? item in array)
                {
                    Collect(item, into);
                }

                break;
            case JsonValue value when value.TryGetValue(out string? s):
                into.Add(s);
                break;
        }
    }

    static string SpanText(Activity span) => string.Join("\n",
        [
            span.DisplayName,
            span.StatusDescription ?? string.Empty,
            .. span.TagObjects.Select(t => $"{t.Key}={(t.Value is string[] a ? string.Join(",", a) : t.Value)}"),
            .. span.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name}:{t.Key}={t.Value}")),
        ]);
}
