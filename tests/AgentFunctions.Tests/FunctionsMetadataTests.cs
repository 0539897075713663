using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Agents.Core.Orchestrations;
using Agents.Edge;

namespace AgentFunctions.Tests;

/// <summary>What the Functions host will index: the built functions.metadata and host.json.</summary>
public partial class FunctionsMetadataTests
{
    /// <summary>The portable host's <c>MapAgentApi</c> table: each route, with its method, as a Functions HTTP trigger.</summary>
    static readonly (string Name, string Method, string Route)[] HttpTable =
    [
        ("CreateSession", "post", AgentApi.SessionsRoute),
        ("ListSessions", "get", SessionListApi.ListRoute),
        ("GetSession", "get", AgentApi.SessionRoute),
        ("SubmitTurn", "post", AgentApi.TurnsRoute),
        ("GetTurn", "get", AgentApi.TurnRoute),
        ("SubmitApproval", "post", AgentApi.ApprovalsRoute),
        ("GetEvents", "get", AgentApi.EventsRoute),
        ("VerifyEvents", "get", AgentApi.VerifyEventsRoute),
        ("StartReplay", "post", ReplayApi.ReplayRoute),
        ("GetReplayDiff", "get", ReplayApi.DiffRoute),
        ("GetEvalCase", "get", ReplayApi.EvalCaseRoute),
        ("GetPayload", "get", AgentApi.PayloadRoute),
        ("Health", "get", AgentApi.HealthRoute),
        ("SlackInteractions", "post", SlackEndpoints.InteractionsRoute),
    ];

    static readonly string[] OrchestrationNames = [nameof(Session), nameof(Turn)];

    static readonly string[] ActivityNameList =
    [
        ActivityNames.RetrieveMemory,
        ActivityNames.PlanTurn,
        ActivityNames.EvaluatePolicy,
        ActivityNames.RunStep,
        ActivityNames.RequestApproval,
        ActivityNames.AppendEvents,
        ActivityNames.SummarizeTurn,
        ActivityNames.ResolveReplayApproval,
    ];

    public static TheoryData<string, string, string> HttpFunctions
    {
        get
        {
            var data = new TheoryData<string, string, string>();
            foreach ((string name, string method, string route) in HttpTable)
            {
                data.Add(name, method, route);
            }

            return data;
        }
    }

    public static TheoryData<string> Orchestrations => new(OrchestrationNames);

    public static TheoryData<string> Activities => new(ActivityNameList);

    [Theory]
    [MemberData(nameof(Orchestrations))]
    public void Metadata_Orchestration_HasOrchestrationTrigger(string name)
    {
        // Arrange
        JsonElement function = Function(name);

        // Act
        JsonElement trigger = Assert.Single(Bindings(function));

        // Assert
        Assert.Equal("orchestrationTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("In", trigger.GetProperty("direction").GetString());
    }

    [Theory]
    [MemberData(nameof(Activities))]
    public void Metadata_Activity_HasActivityTrigger(string name)
    {
        // Arrange
        JsonElement function = Function(name);

        // Act
        JsonElement trigger = Assert.Single(Bindings(function));

        // Assert
        Assert.Equal("activityTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("In", trigger.GetProperty("direction").GetString());
    }

    [Theory]
    [MemberData(nameof(HttpFunctions))]
    public void Metadata_HttpFunction_HasRouteMethodAndDurableClient(string name, string method, string route)
    {
        // Arrange
        JsonElement function = Function(name);

        // Act
        JsonElement[] bindings = Bindings(function);
        JsonElement trigger = Assert.Single(bindings, b => b.GetProperty("type").GetString() == "httpTrigger");

        // Assert
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()));
        Assert.Equal("anonymous", trigger.GetProperty("authLevel").GetString(), ignoreCase: true);
        Assert.Single(bindings, b => b.GetProperty("type").GetString() == "durableClient");
        Assert.Single(bindings, b => b.GetProperty("type").GetString() == "http" && b.GetProperty("direction").GetString() == "Out");
    }

    [Theory]
    [MemberData(nameof(HttpFunctions))]
    public void EntryPoint_HttpFunction_TakesEveryRouteValueAsAStringParameter(string name, string method, string route)
    {
        // Arrange
        _ = method;
        MethodInfo entryPoint = EntryPoint(Function(name));
        string[] routeValues = RouteValue().Matches(route).Select(m => m.Groups[1].Value).Order().ToArray();

        // Act
        string[] stringParameters = entryPoint.GetParameters().Where(p => p.ParameterType == typeof(string)).Select(p => p.Name!).Order().ToArray();

        // Assert
        Assert.Equal(routeValues, stringParameters);
    }

    [Fact]
    public void Metadata_AllFunctions_ExactlyTheExpectedOnes()
    {
        // Arrange
        IEnumerable<string> expected = HttpTable.Select(f => f.Name).Concat(OrchestrationNames).Concat(ActivityNameList);

        // Act
        IEnumerable<string> actual = Metadata().RootElement.EnumerateArray().Select(f => f.GetProperty("name").GetString()!);

        // Assert
        Assert.Equal(expected.Order(), actual.Order());
    }

    [Fact]
    public void Metadata_AllFunctions_EntryPointsResolveInTheFunctionsAssembly()
    {
        // Arrange
        JsonElement[] functions = Metadata().RootElement.EnumerateArray().ToArray();

        // Act
        string[] scriptFiles = functions.Select(f => f.GetProperty("scriptFile").GetString()!).Distinct().ToArray();
        MethodInfo[] entryPoints = functions.Select(EntryPoint).ToArray();

        // Assert
        Assert.Equal(["AgentFunctions.dll"], scriptFiles);
        Assert.All(entryPoints, m => Assert.Equal(typeof(HttpTriggers).Assembly, m.DeclaringType!.Assembly));
    }

    [Fact]
    public void HostJson_Output_HasApiRoutePrefixAndTaskHub()
    {
        // Arrange
        using JsonDocument host = FunctionsAppOutput.Read("host.json");

        // Act
        JsonElement extensions = host.RootElement.GetProperty("extensions");

        // Assert
        Assert.Equal("2.0", host.RootElement.GetProperty("version").GetString());
        Assert.Equal("api", extensions.GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.Equal("agentfunctions", extensions.GetProperty("durableTask").GetProperty("hubName").GetString());
        Assert.Equal("AzureStorage", extensions.GetProperty("durableTask").GetProperty("storageProvider").GetProperty("type").GetString());
    }

    static readonly Lazy<JsonDocument> MetadataDocument = new(() => FunctionsAppOutput.Read("functions.metadata"));

    static JsonDocument Metadata() => MetadataDocument.Value;

    static JsonElement Function(string name)
    {
        JsonElement[] matches = Metadata().RootElement.EnumerateArray().Where(f => f.GetProperty("name").GetString() == name).ToArray();
        Assert.True(matches.Length == 1, $"functions.metadata should list function '{name}' once; it lists it {matches.Length} time(s).");
        return matches[0];
    }

    static JsonElement[] Bindings(JsonElement function) => function.GetProperty("bindings").EnumerateArray().ToArray();

    static MethodInfo EntryPoint(JsonElement function)
    {
        string entryPoint = function.GetProperty("entryPoint").GetString()!;
        int dot = entryPoint.LastIndexOf('.');
        Type? type = typeof(HttpTriggers).Assembly.GetType(entryPoint[..dot]);
        Assert.True(type is not null, $"entry point type of '{entryPoint}' not found");
        MethodInfo? method = type.GetMethod(entryPoint[(dot + 1)..], BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance);
        Assert.True(method is not null, $"entry point method '{entryPoint}' not found");
        return method;
    }

    [GeneratedRegex(@"\{([^}:?]+)[^}]*\}")]
    private static partial Regex RouteValue();
}
