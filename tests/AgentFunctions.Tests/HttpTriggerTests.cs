using System.Text.Json;
using Agents.Core.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace AgentFunctions.Tests;

/// <summary>
/// The HTTP triggers, called as the Functions worker calls them (behind the app's edge gate middleware), write the
/// shared handlers' responses.
/// </summary>
public sealed class HttpTriggerTests(TriggerHost host) : IClassFixture<TriggerHost>
{
    [Fact]
    public async Task AnyTrigger_NoToken_Returns401ChallengeAndTheTriggerNeverRuns()
    {
        // Arrange
        HttpContext context = host.Request("POST", "/api/sessions", "{}", anonymous: true);

        // Act
        (int status, string? contentType, _, bool ran) = await host.InvokeAsync(context, () => HttpTriggers.CreateSession(context.Request, host.Client));

        // Assert
        Assert.Equal(StatusCodes.Status401Unauthorized, status);
        Assert.StartsWith("application/problem+json", contentType);
        Assert.StartsWith("Bearer realm=", context.Response.Headers.WWWAuthenticate.ToString());
        Assert.False(ran);
    }

    [Fact]
    public async Task AnyTrigger_TokenOfAnotherIssuer_Returns401InvalidToken()
    {
        // Arrange: the right key and claims, but an issuer this app does not trust.
        HttpContext context = host.Request("GET", "/api/sessions/abc", anonymous: true);
        string foreign = new Agents.Edge.Auth.DevTokenIssuer(Agents.Edge.Auth.DevSigningKeys.LoadOrCreate(host.Issuer.KeyFile), "https://issuer.example.com").Mint(TriggerHost.Dana);
        context.Request.Headers.Authorization = "Bearer " + foreign;

        // Act
        (int status, _, _, bool ran) = await host.InvokeAsync(context, () => HttpTriggers.GetSession(context.Request, host.Client, "abc"));

        // Assert
        Assert.Equal(StatusCodes.Status401Unauthorized, status);
        Assert.Contains("error=\"invalid_token\"", context.Response.Headers.WWWAuthenticate.ToString());
        Assert.False(ran);
    }

    [Fact]
    public async Task Health_NoToken_IsServed()
    {
        // Arrange
        HttpContext context = host.Request("GET", "/api/health", anonymous: true);

        // Act
        (int status, _, _, bool ran) = await host.InvokeAsync(context, () => Task.FromResult(HttpTriggers.Health(context.Request, host.Client)));

        // Assert
        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.True(ran);
    }

    [Fact]
    public async Task CreateSession_BodyNamesAnotherOrg_Returns403ProblemNamingOrg()
    {
        // Arrange
        HttpContext context = host.Request("POST", "/api/sessions", """{"org":"fabrikam"}""");

        // Act
        (int status, string? contentType, string body, _) = await host.InvokeAsync(context, () => HttpTriggers.CreateSession(context.Request, host.Client));

        // Assert
        Assert.Equal(StatusCodes.Status403Forbidden, status);
        Assert.StartsWith("application/problem+json", contentType);
        using JsonDocument problem = JsonDocument.Parse(body);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("org", out _), $"errors should name 'org': {body}");
    }

    [Fact]
    public async Task SubmitApproval_CallerWithoutApproverRole_Returns403()
    {
        // Arrange
        string sessionId = Ids.NewSessionId();
        HttpContext context = host.Request("POST", $"/api/sessions/{sessionId}/turns/1/approvals", """{"decision":"approve"}""", TriggerHost.Dana with { Roles = [] });

        // Act
        (int status, _, string body, _) = await host.InvokeAsync(context, () => HttpTriggers.SubmitApproval(context.Request, host.Client, sessionId, "1"));

        // Assert
        Assert.Equal(StatusCodes.Status403Forbidden, status);
        Assert.Contains("approver", body);
    }

    [Fact]
    public async Task CreateSession_UnknownField_Returns400ProblemNamingTheField()
    {
        // Arrange
        HttpContext context = host.Request("POST", "/api/sessions", """{"bogus":1}""");

        // Act
        (int status, string? contentType, string body, _) = await host.InvokeAsync(context, () => HttpTriggers.CreateSession(context.Request, host.Client));

        // Assert
        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.StartsWith("application/problem+json", contentType);
        using JsonDocument problem = JsonDocument.Parse(body);
        Assert.Contains("bogus", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task CreateSession_NoBody_Returns400Problem()
    {
        // Arrange
        HttpContext context = host.Request("POST", "/api/sessions");

        // Act
        (int status, string? contentType, _, _) = await host.InvokeAsync(context, () => HttpTriggers.CreateSession(context.Request, host.Client));

        // Assert
        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.StartsWith("application/problem+json", contentType);
    }

    [Fact]
    public async Task GetTurn_TurnNotANumber_Returns400ProblemNamingTurn()
    {
        // Arrange
        string sessionId = Ids.NewSessionId();
        HttpContext context = host.Request("GET", $"/api/sessions/{sessionId}/turns/abc");

        // Act
        (int status, string? contentType, string body, _) = await host.InvokeAsync(context, () => HttpTriggers.GetTurn(context.Request, host.Client, sessionId, "abc"));

        // Assert
        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.StartsWith("application/problem+json", contentType);
        using JsonDocument problem = JsonDocument.Parse(body);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("turn", out _), $"errors should name 'turn': {body}");
    }

    [Fact]
    public async Task GetSession_UnknownSession_Returns404FromTheDurableClient()
    {
        // Arrange: a well-formed id that no orchestration has, so the answer comes from the engine, not from validation.
        string sessionId = Ids.NewSessionId();
        HttpContext context = host.Request("GET", $"/api/sessions/{sessionId}");

        // Act
        (int status, string? contentType, string body, _) = await host.InvokeAsync(context, () => HttpTriggers.GetSession(context.Request, host.Client, sessionId));

        // Assert
        Assert.Equal(StatusCodes.Status404NotFound, status);
        Assert.StartsWith("application/problem+json", contentType);
        Assert.Contains(sessionId, body);
    }

    [Fact]
    public async Task SubmitApproval_TurnZero_Returns400ProblemNamingTurn()
    {
        // Arrange
        string sessionId = Ids.NewSessionId();
        HttpContext context = host.Request("POST", $"/api/sessions/{sessionId}/turns/0/approvals", """{"decision":"approve"}""");

        // Act
        (int status, _, string body, _) = await host.InvokeAsync(context, () => HttpTriggers.SubmitApproval(context.Request, host.Client, sessionId, "0"));

        // Assert
        Assert.Equal(StatusCodes.Status400BadRequest, status);
        using JsonDocument problem = JsonDocument.Parse(body);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("turn", out _), $"errors should name 'turn': {body}");
    }
}
