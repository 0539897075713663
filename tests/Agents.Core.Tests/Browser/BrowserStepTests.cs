using System.Text.Json;
using Agents.Core.Activities;
using Agents.Core.Browser;
using Agents.Core.Contracts;
using Agents.Core.Policy;
using Agents.Core.Redaction;
using Agents.Core.Storage;
using Agents.Core.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Core.Tests.Browser;

/// <summary>Browser actions as planned tool calls: the catalog, the policy, the step's events and the hang limit, through the real RunStep activity.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserStepTests(BrowserFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.CloseSessionsAsync();

    [Fact]
    public void Catalog_WithTheBrowserEnabled_OffersExactlyTheSixBrowserTools()
    {
        ToolCatalog catalog = fixture.Services.GetRequiredService<ToolCatalog>();

        string[] browser = catalog.Definitions.Where(d => d.Runtime == ToolRuntime.Browser).Select(d => d.Name).ToArray();

        Assert.Equal(["browser_click", "browser_open", "browser_read", "browser_screenshot", "browser_scroll", "browser_type"], browser);
        Assert.NotNull(catalog.ValidateArguments("browser_click", Json("""{"y":1,"width":2,"height":3}""")));
        Assert.NotNull(catalog.ValidateArguments("browser_open", Json("""{"url":"http://a","download":true}""")));
        Assert.Null(catalog.ValidateArguments("browser_click", Json("""{"x":1,"y":1,"width":2,"height":3}""")));
    }

    [Fact]
    public async Task RunStep_Open_LogsTheActionWithScreenshotRefsOnTheStep()
    {
        (SessionMetadata session, PayloadRef input) = await this.NewSessionAsync();

        StepResult result = await this.RunAsync(session, input, "open", "browser_open", $$"""{"url":"{{fixture.Allowed.Url("/page")}}"}""");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(PolicyEffect.Permit, result.Policy!.Effective);
        PayloadRef before = result.Attachments![BrowserTool.ScreenshotBefore];
        PayloadRef after = result.Attachments[BrowserTool.ScreenshotAfter];
        Assert.Equal(BrowserTool.ScreenshotKind, before.Kind);
        IReadOnlyList<AgentEvent> events = await fixture.Events.ReadAsync(session.SessionId);
        AgentEvent action = Assert.Single(events, e => e.Type == EventTypes.BrowserAction);
        Assert.Equal("succeeded", action.Decision);
        Assert.Equal(Redactor.Default.Redact(fixture.Allowed.Url("/page")), action.Outputs!["url"]);
        Assert.Equal(Origins.Blank, action.Inputs!["url"]);
        Assert.All(action.Refs!, r => Assert.Equal(BrowserTool.ScreenshotKind, r.Kind));
        Assert.Contains(action.Refs!, r => r.Sha256 == after.Sha256);
        AgentEvent step = Assert.Single(events, e => e.Type == EventTypes.StepCompleted);
        Assert.Equal(before.ToString(), step.Outputs![BrowserTool.ScreenshotBefore]);
        Assert.Equal(after.ToString(), step.Outputs[BrowserTool.ScreenshotAfter]);
        Assert.Contains(step.Refs!, r => r.Sha256 == after.Sha256 && r.Kind == BrowserTool.ScreenshotKind);
        Assert.NotNull(await fixture.Payloads.GetAsync(session.SessionId, after.Sha256));
    }

    [Fact]
    public async Task RunStep_OpenOffTheAllowlist_IsForbiddenByPolicyAndNeverRequested()
    {
        (SessionMetadata session, PayloadRef input) = await this.NewSessionAsync();
        string path = "/policy-" + Guid.NewGuid().ToString("N");

        StepResult result = await this.RunAsync(session, input, "open", "browser_open", $$"""{"url":"{{fixture.Other.Url(path)}}"}""");

        Assert.False(result.Succeeded);
        Assert.True(result.Forbidden);
        Assert.Contains(result.Policy!.Matched, m => m.Id == "forbid-browser-open-off-allowlist");
        Assert.DoesNotContain(fixture.Other.Requests, r => r.EndsWith(path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunStep_ClickOnAPageWithAFormToAnotherOrigin_NeedsApproval_AndSubmitsOnceApproved()
    {
        (SessionMetadata session, PayloadRef input) = await this.NewSessionAsync();
        StepResult open = await this.RunAsync(session, input, "open", "browser_open", $$"""{"url":"{{fixture.Allowed.Url("/form")}}"}""");
        Assert.True(open.Succeeded, open.Error);
        var click = new PlanStep("send", "browser_click", """{"x":20,"y":200,"width":200,"height":40}""", ["open"], null, false);
        PolicyEvaluator policy = fixture.Services.GetRequiredService<PolicyEvaluator>();
        var runStep = ActivatorUtilities.CreateInstance<RunStepActivity>(fixture.Services);

        int before = fixture.Other.Requests.Count(r => r == "POST /collect");
        StepResult unapproved = await runStep.ExecuteAsync(new RunStepRequest(session, 1, 0, click, input, []));
        PolicyDecision decision = policy.Evaluate(session, 0, click, [], PolicyBudget.None);
        StepResult approved = await runStep.ExecuteAsync(new RunStepRequest(session, 1, 0, click, input, [])
        {
            Approval = new ApprovalBinding($"{session.SessionId}:t-1:a-1", "lee", decision.Binding!, decision.PolicyVersion, 0),
        });

        Assert.True(unapproved.NeedsApproval, unapproved.Error);
        Assert.Contains(unapproved.Policy!.Matched, m => m.Id == "approve-browser-click-on-page-with-foreign-form");
        Assert.True(approved.Succeeded, approved.Error);
        Assert.Equal(before + 1, fixture.Other.Requests.Count(r => r == "POST /collect"));
    }

    [Fact]
    public async Task RunStep_HungPage_IsKilledAtItsLimit_AndTheNextActionWorksWithTheLogIntact()
    {
        (SessionMetadata session, PayloadRef input) = await this.NewSessionAsync();
        await this.RunAsync(session, input, "warm", "browser_open", $$"""{"url":"{{fixture.Allowed.Url("/second")}}"}""");

        StepResult hung = await this.RunAsync(session, input, "hang", "browser_open", $$"""{"url":"{{fixture.Allowed.Url("/hang")}}"}""");
        StepResult next = await this.RunAsync(session, input, "again", "browser_open", $$"""{"url":"{{fixture.Allowed.Url("/page")}}"}""");
        StepResult read = await this.RunAsync(session, input, "read", "browser_read", """{"selector":"h1"}""");

        Assert.False(hung.Succeeded);
        Assert.Contains($"did not answer within {BrowserFixture.ActionTimeoutMilliseconds} ms", hung.Error);
        BrowserActionResult timedOut = JsonSerializer.Deserialize<BrowserActionResult>(await fixture.Payloads.GetTextAsync(session.SessionId, hung.Output!), JsonDefaults.Web)!;
        Assert.Equal(BrowserOutcome.TimedOut, timedOut.Outcome);
        Assert.True(timedOut.KilledProcessId is not null, "no process id for the killed browser: " + JsonSerializer.Serialize(timedOut, JsonDefaults.Web));
        Assert.True(BrowserBrokerTests.ProcessIsGone(timedOut.KilledProcessId.Value), "the hung browser's process is still running");
        Assert.True(timedOut.Before is not null, "no before screenshot"); // the page before the hang is on record
        Assert.True(next.Succeeded, next.Error);
        Assert.True(read.Succeeded, read.Error);
        Assert.Equal("Hello from A", read.Preview);
        IReadOnlyList<AgentEvent> events = await fixture.Events.ReadAsync(session.SessionId);
        EventLogAssert.IsIntactAndExactlyOnce(events);
        Assert.Equal(["succeeded", "timed_out", "succeeded", "succeeded"], events.Where(e => e.Type == EventTypes.BrowserAction).Select(e => e.Decision!).ToArray());
    }

    async Task<StepResult> RunAsync(SessionMetadata session, PayloadRef input, string id, string tool, string arguments)
    {
        var runStep = ActivatorUtilities.CreateInstance<RunStepActivity>(fixture.Services);
        return await runStep.ExecuteAsync(new RunStepRequest(session, 1, 0, new PlanStep(id, tool, arguments, [], null, false), input, []));
    }

    async Task<(SessionMetadata Session, PayloadRef Input)> NewSessionAsync()
    {
        string sessionId = fixture.NewSessionId();
        var session = new SessionMetadata(sessionId, "tester", "contoso", RiskTier.Low, DataSensitivity.Internal, "inventory-service", null, new BudgetLimits(1, 1, 1, 1), DateTime.UnixEpoch);
        PayloadRef input = await fixture.Payloads.PutTextAsync(sessionId, "browse the docs");
        return (session, input);
    }

    static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
