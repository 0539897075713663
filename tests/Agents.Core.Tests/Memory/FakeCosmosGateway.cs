using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Agents.Core.Tests.LongTermMemory;

/// <summary>
/// A stand-in for the Cosmos DB gateway at the HTTP seam: the real CosmosClient (Gateway mode) sends its requests here
/// through <c>CosmosClientOptions.HttpClientFactory</c>; every request is recorded, and canned responses come back
/// (account, container with its vector policy, partition key ranges, query pages, writes). No Cosmos DB runs here:
/// this checks what the client would send, not what an account would answer.
/// </summary>
public sealed class FakeCosmosGateway : HttpMessageHandler
{
    public const string Endpoint = "https://fake-memory.documents.azure.com:443/";

    /// <summary>Resource ids in the service's own format (the client decodes them to build paths).</summary>
    const string DatabaseRid = "XP0mAA==";
    const string CollectionRid = "XP0mAJ3H-AA=";

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Documents returned by queries, in order; the state query and the vector query each get their own.</summary>
    public List<JsonObject> StateRows { get; } = [];

    public List<JsonObject> SearchRows { get; } = [];

    /// <summary>Answers every data request (not account or metadata reads) with this status when set.</summary>
    public HttpStatusCode? FailWith { get; set; }

    /// <summary>Whether the memory container exists; when false, reads get 404 until the client creates it.</summary>
    public bool ContainerExists { get; set; } = true;

    public JsonObject? VectorPolicy { get; set; } = JsonNode.Parse("""{"vectorEmbeddings":[{"path":"/embedding","dataType":"float32","distanceFunction":"cosine","dimensions":384}]}""")!.AsObject();

    public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
        string path = Uri.UnescapeDataString(request.RequestUri!.AbsolutePath).TrimEnd('/');
        this.Requests.Enqueue(new RecordedRequest(request.Method.Method, path, headers, body));
        return this.Answer(request.Method.Method, path, headers, body);
    }

    HttpResponseMessage Answer(string method, string path, Dictionary<string, string> headers, string body)
    {
        if (path.Length == 0)
        {
            return Json(HttpStatusCode.OK, Account());
        }

        string[] parts = path.Trim('/').Split('/');
        if (method == "GET" && parts is ["dbs", _, "colls", _])
        {
            return this.ContainerExists ? Json(HttpStatusCode.OK, this.Container(parts[3])) : Error(HttpStatusCode.NotFound);
        }

        if (method == "GET" && parts is ["dbs", _, "colls", _, "pkranges"])
        {
            // The client reads the ranges as a change feed until "not modified".
            return headers.ContainsKey("if-none-match")
                ? new HttpResponseMessage(HttpStatusCode.NotModified) { Headers = { { "etag", "\"1\"" }, { "x-ms-activity-id", Guid.NewGuid().ToString() } } }
                : Json(HttpStatusCode.OK, PartitionKeyRanges(), ("etag", "\"1\""));
        }

        if (method == "POST" && parts is ["dbs"])
        {
            return Json(HttpStatusCode.Created, Database(JsonNode.Parse(body)!["id"]!.GetValue<string>()));
        }

        if (method == "POST" && parts is ["dbs", _, "colls"])
        {
            JsonObject created = JsonNode.Parse(body)!.AsObject();
            this.ContainerExists = true;
            Stamp(created, CollectionRid, $"dbs/{DatabaseRid}/colls/{CollectionRid}/");
            return Json(HttpStatusCode.Created, created.ToJsonString());
        }

        if (this.FailWith is { } failure)
        {
            return Error(failure);
        }

        if (method == "POST" && parts is ["dbs", _, "colls", _, "docs"])
        {
            if (headers.ContainsKey("x-ms-cosmos-is-query-plan-request"))
            {
                return Json(HttpStatusCode.OK, QueryPlan(JsonNode.Parse(body)!["query"]!.GetValue<string>()));
            }

            if (headers.ContainsKey("x-ms-documentdb-isquery") || headers.ContainsKey("x-ms-documentdb-query"))
            {
                string query = JsonNode.Parse(body)!["query"]!.GetValue<string>();
                bool vector = query.Contains("VectorDistance", StringComparison.Ordinal);
                List<JsonObject> rows = vector ? this.SearchRows : this.StateRows;
                var documents = new JsonArray(rows.Select((r, i) => vector && query.Contains("orderByItems", StringComparison.Ordinal)
                    ? new JsonObject { ["_rid"] = $"XP0mAJ3H-AA{(char)('B' + i)}AAAAAAAAAA==", ["orderByItems"] = new JsonArray(new JsonObject { ["item"] = r["score"]!.DeepClone() }), ["payload"] = r.DeepClone() }
                    : r.DeepClone()).ToArray());
                return Json(HttpStatusCode.OK, new JsonObject { ["_rid"] = CollectionRid, ["Documents"] = documents, ["_count"] = rows.Count }.ToJsonString(), ("x-ms-item-count", rows.Count.ToString()));
            }

            JsonObject item = JsonNode.Parse(body)!.AsObject();
            return Json(HttpStatusCode.Created, item.ToJsonString());
        }

        if (method == "DELETE" && parts is ["dbs", _, "colls", _, "docs", _])
        {
            return new HttpResponseMessage(HttpStatusCode.NoContent) { Headers = { { "x-ms-request-charge", "1" }, { "x-ms-activity-id", Guid.NewGuid().ToString() } } };
        }

        return Error(HttpStatusCode.NotFound, $"{method} {path} is not served by this fake");
    }

    static HttpResponseMessage Json(HttpStatusCode status, string json, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        response.Headers.Add("x-ms-request-charge", "1");
        response.Headers.Add("x-ms-activity-id", Guid.NewGuid().ToString());
        response.Headers.Add("x-ms-session-token", "0:1#1");
        foreach ((string name, string value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    static HttpResponseMessage Error(HttpStatusCode status, string? message = null) =>
        Json(status, new JsonObject { ["code"] = status.ToString(), ["message"] = message ?? $"canned {(int)status}" }.ToJsonString());

    static void Stamp(JsonObject resource, string rid, string self)
    {
        resource["_rid"] = rid;
        resource["_self"] = self;
        resource["_etag"] = "\"00000000-0000-0000-0000-000000000000\"";
        resource["_ts"] = 1_700_000_000;
    }

    static string Account() => new JsonObject
    {
        ["_self"] = string.Empty,
        ["id"] = "fake-memory",
        ["_rid"] = "fake-memory.documents.azure.com",
        ["media"] = "//media/",
        ["addresses"] = "//addresses/",
        ["_dbs"] = "//dbs/",
        ["writableLocations"] = new JsonArray(new JsonObject { ["name"] = "West Europe", ["databaseAccountEndpoint"] = Endpoint }),
        ["readableLocations"] = new JsonArray(new JsonObject { ["name"] = "West Europe", ["databaseAccountEndpoint"] = Endpoint }),
        ["enableMultipleWriteLocations"] = false,
        ["userReplicationPolicy"] = new JsonObject { ["asyncReplication"] = false, ["minReplicaSetSize"] = 1, ["maxReplicasetSize"] = 4 },
        ["userConsistencyPolicy"] = new JsonObject { ["defaultConsistencyLevel"] = "Session" },
        ["systemReplicationPolicy"] = new JsonObject { ["minReplicaSetSize"] = 1, ["maxReplicasetSize"] = 4 },
        ["readPolicy"] = new JsonObject { ["primaryReadCoefficient"] = 1, ["secondaryReadCoefficient"] = 1 },
        ["queryEngineConfiguration"] = """{"maxSqlQueryInputLength":262144,"maxJoinsPerSqlQuery":5,"maxLogicalAndPerSqlQuery":500,"maxLogicalOrPerSqlQuery":500,"maxUdfRefPerSqlQuery":10,"maxInExpressionItemsCount":16000,"queryMaxInMemorySortDocumentCount":500,"maxQueryRequestTimeoutFraction":0.9,"sqlAllowNonFiniteNumbers":false,"sqlAllowAggregateFunctions":true,"sqlAllowSubQuery":true,"sqlAllowScalarSubQuery":true,"allowNewKeywords":true,"sqlAllowLike":true,"sqlAllowGroupByClause":true,"maxSpatialQueryCells":12,"spatialMaxGeometryPointCount":256,"sqlDisableQueryILOptimization":false,"sqlDisableFilterPlanOptimization":false}""",
    }.ToJsonString();

    static string Database(string id)
    {
        var database = new JsonObject { ["id"] = id, ["_colls"] = "colls/", ["_users"] = "users/" };
        Stamp(database, DatabaseRid, $"dbs/{DatabaseRid}/");
        return database.ToJsonString();
    }

    string Container(string id)
    {
        var container = new JsonObject
        {
            ["id"] = id,
            ["indexingPolicy"] = JsonNode.Parse("""{"indexingMode":"consistent","automatic":true,"includedPaths":[{"path":"/*"}],"excludedPaths":[{"path":"/\"_etag\"/?"},{"path":"/embedding/*"}],"vectorIndexes":[{"path":"/embedding","type":"quantizedFlat"}]}"""),
            ["partitionKey"] = JsonNode.Parse("""{"paths":["/scope"],"kind":"Hash","version":2}"""),
            ["_docs"] = "docs/",
            ["_sprocs"] = "sprocs/",
            ["_triggers"] = "triggers/",
            ["_udfs"] = "udfs/",
            ["_conflicts"] = "conflicts/",
        };
        if (this.VectorPolicy is not null)
        {
            container["vectorEmbeddingPolicy"] = this.VectorPolicy.DeepClone();
        }

        Stamp(container, CollectionRid, $"dbs/{DatabaseRid}/colls/{CollectionRid}/");
        return container.ToJsonString();
    }

    /// <summary>
    /// The plan the gateway gives for the two queries the memory sends: the vector query is a non-streaming ORDER BY
    /// (similarity, best first) the client runs per partition range and merges; the state query is a plain scan.
    /// </summary>
    static string QueryPlan(string query)
    {
        const string Ranges = "\"queryRanges\":[{\"min\":\"\",\"max\":\"FF\",\"isMinInclusive\":true,\"isMaxInclusive\":false}]";
        if (!query.Contains("VectorDistance", StringComparison.Ordinal))
        {
            return "{\"partitionedQueryExecutionInfoVersion\":2,\"queryInfo\":{\"distinctType\":\"None\",\"top\":null,\"offset\":null,\"limit\":null,\"orderBy\":[],\"orderByExpressions\":[],\"groupByExpressions\":[],\"groupByAliases\":[],\"aggregates\":[],\"groupByAliasToAggregateType\":{},\"rewrittenQuery\":\"\",\"hasSelectValue\":false,\"hasNonStreamingOrderBy\":false}," + Ranges + "}";
        }

        var info = new JsonObject
        {
            ["distinctType"] = "None",
            ["top"] = null,
            ["offset"] = null,
            ["limit"] = null,
            ["orderBy"] = new JsonArray("Descending"),
            ["orderByExpressions"] = new JsonArray("VectorDistance(c.embedding, @v)"),
            ["groupByExpressions"] = new JsonArray(),
            ["groupByAliases"] = new JsonArray(),
            ["aggregates"] = new JsonArray(),
            ["groupByAliasToAggregateType"] = new JsonObject(),
            ["rewrittenQuery"] = "SELECT TOP @k c._rid, [{\"item\": VectorDistance(c.embedding, @v)}] AS orderByItems, {\"path\": c.path, \"startLine\": c.startLine, \"endLine\": c.endLine, \"text\": c.text, \"score\": VectorDistance(c.embedding, @v)} AS payload FROM c WHERE ({documentdb-formattableorderbyquery-filter}) AND (c.scope = @scope) ORDER BY VectorDistance(c.embedding, @v)",
            ["hasSelectValue"] = false,
            ["hasNonStreamingOrderBy"] = true,
        };
        return "{\"partitionedQueryExecutionInfoVersion\":2,\"queryInfo\":" + info.ToJsonString() + "," + Ranges + "}";
    }

    static string PartitionKeyRanges() => """
        {"_rid":"XP0mAJ3H-AA=","PartitionKeyRanges":[{"_rid":"XP0mAJ3H-AACAAAAAAAAUA==","id":"0","_etag":"\"0\"","minInclusive":"","maxExclusive":"FF","ridPrefix":0,"_self":"dbs/XP0mAA==/colls/XP0mAJ3H-AA=/pkranges/XP0mAJ3H-AACAAAAAAAAUA==/","throughputFraction":1,"status":"online","parents":[],"_ts":1,"_lsn":1}],"_count":1}
        """;
}
