using System.Diagnostics;
using System.Text.Json.Nodes;
using Agents.Core.Telemetry;

namespace AgentHost.Tests;

/// <summary>The spans of one real turn (portable host, in-memory engine, offline model) as an exporter receives them.</summary>
[Collection(RedactedTurnCollection.Name)]
public sealed class TurnTelemetryTests(RedactedTurnFixture turn)
{
    static readonly string[] ActivitySpans = [TurnSpans.Plan, TurnSpans.RequestApproval, TurnSpans.ApprovalWait, TurnSpans.Summarize];

    [Fact]
    public void Turn_Spans_ShareOneTraceRootedAtTheTurnSpan()
    {
        // Arrange
        ActivityTraceId trace = TurnTrace.TraceId(turn.SessionId, 1);
        ActivitySpanId turnSpanId = TurnTrace.TurnSpanId(turn.SessionId, 1);

        // Act
        List<Activity> ofSession = this.SessionSpans();
        List<Activity> inTrace = turn.Spans.Where(s => s.TraceId == trace).ToList();

        // Assert
        Assert.All(ofSession, s => Assert.Equal(trace, s.TraceId));
        Activity root = Assert.Single(inTrace, s => s.DisplayName == TurnSpans.Turn);
        Assert.Equal(turnSpanId, root.SpanId);
        Assert.Equal(default, root.ParentSpanId);
        Assert.Equal((string?)turn.TurnView()["outcome"], root.GetTagItem(SpanAttributes.Outcome));
        Assert.All(ActivitySpans, name => Assert.Contains(inTrace, s => s.DisplayName == name && s.ParentSpanId == turnSpanId));
        Assert.All(inTrace.Where(s => s.DisplayName.StartsWith(TurnSpans.ExecuteToolPrefix, StringComparison.Ordinal) || s.DisplayName.StartsWith(TurnSpans.Policy, StringComparison.Ordinal)),
            s => Assert.Equal(turnSpanId, s.ParentSpanId));
        var ids = inTrace.Select(s => s.SpanId).ToHashSet();
        Assert.All(inTrace.Where(s => s != root), s => Assert.Contains(s.ParentSpanId, ids)); // one connected tree
        Assert.All(inTrace.Where(s => s != root), s => Assert.InRange(s.StartTimeUtc, root.StartTimeUtc, root.StartTimeUtc + root.Duration));
    }

    [Fact]
    public void Turn_ModelCallSpans_CarryTheGenAiAttributesWithTheLoggedTokenCounts()
    {
        // Arrange
        List<JsonNode> modelCalls = turn.Events().Where(e => (string?)e["type"] == "model.called").ToList();

        // Act
        List<Activity> chats = this.SessionSpans().Where(s => (string?)s.GetTagItem(SpanAttributes.OperationName) == "chat").ToList();

        // Assert
        Assert.Equal(2, modelCalls.Count); // plan and summary
        Assert.Equal(modelCalls.Count, chats.Count);
        Assert.All(chats, chat =>
        {
            Assert.Equal($"chat {chat.GetTagItem(SpanAttributes.RequestModel)}", chat.DisplayName);
            Assert.Equal(ActivityKind.Client, chat.Kind);
            Assert.Equal("test-small", chat.GetTagItem(SpanAttributes.ResponseModel));
            Assert.Equal("offline", chat.GetTagItem(SpanAttributes.ProviderName));
            Assert.Equal("offline", chat.GetTagItem(SpanAttributes.System));
            Assert.Equal(["stop"], Assert.IsType<string[]>(chat.GetTagItem(SpanAttributes.FinishReasons)));
            Assert.True((int)chat.GetTagItem(SpanAttributes.InputTokens)! > 100, "the prompt's real token count");
        });
        Assert.Equal(
            modelCalls.Select(e => ((int)e["tokens"]!["inputTokens"]!, (int)e["tokens"]!["outputTokens"]!)).Order(),
            chats.Select(c => ((int)c.GetTagItem(SpanAttributes.InputTokens)!, (int)c.GetTagItem(SpanAttributes.OutputTokens)!)).Order());
        Activity plan = this.SessionSpans().Single(s => s.DisplayName == TurnSpans.Plan);
        Assert.Contains(chats, c => c.ParentSpanId == plan.SpanId);
    }

    [Fact]
    public void Turn_EachStep_HasAToolSpanAndAPolicySpan()
    {
        // Arrange
        JsonArray steps = turn.TurnView()["plan"]!["plan"]!["steps"]!.AsArray();
        List<Activity> spans = this.SessionSpans();

        // Act
        var tools = spans.Where(s => s.DisplayName.StartsWith(TurnSpans.ExecuteToolPrefix, StringComparison.Ordinal)).ToList();
        var policies = spans.Where(s => s.DisplayName.StartsWith(TurnSpans.Policy, StringComparison.Ordinal) && (string?)s.GetTagItem(SpanAttributes.PolicyPhase) == "plan").ToList();

        // Assert
        Assert.Equal(3, steps.Count);
        foreach (JsonNode? step in steps)
        {
            string id = (string)step!["id"]!, tool = (string)step["tool"]!;
            Activity toolSpan = Assert.Single(tools, s => (string?)s.GetTagItem(SpanAttributes.ToolCallId) == id);
            Assert.Equal($"execute_tool {tool}", toolSpan.DisplayName);
            Assert.Equal(tool, toolSpan.GetTagItem(SpanAttributes.ToolName));
            Activity policy = Assert.Single(policies, s => (string?)s.GetTagItem(SpanAttributes.Step) == id);
            Assert.StartsWith("pr-prep-", (string)policy.GetTagItem(SpanAttributes.PolicyVersion)!);
            Assert.NotEmpty(Assert.IsType<string[]>(policy.GetTagItem(SpanAttributes.PolicyRules)));
        }

        Activity prPolicy = policies.Single(s => (string?)s.GetTagItem(SpanAttributes.Step) == "pr");
        Assert.Equal("require_approval", prPolicy.GetTagItem(SpanAttributes.PolicyDecision));
        Assert.Contains("approve-publishing", (string[])prPolicy.GetTagItem(SpanAttributes.PolicyRules)!);
        Activity failedTool = tools.Single(s => (string?)s.GetTagItem(SpanAttributes.ToolCallId) == "pr");
        Assert.Equal(ActivityStatusCode.Error, failedTool.Status); // approved, then no drafted patch to push
        Activity wait = spans.Single(s => s.DisplayName == TurnSpans.ApprovalWait);
        Assert.Equal("approved", wait.GetTagItem(SpanAttributes.ApprovalResolution));
        Assert.True(wait.Duration > TimeSpan.Zero);
    }

    List<Activity> SessionSpans() =>
        turn.Spans.Where(s => s.TraceId == TurnTrace.TraceId(turn.SessionId, 1) || (string?)s.GetTagItem(SpanAttributes.SessionId) == turn.SessionId).ToList();
}
