using System.Text.Json;
using Agents.Core.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace AgentFunctions.Tests;

/// <summary>The HTTP triggers, called as the Functions host calls them, write the shared handlers' responses.</summary>
public sealed class HttpTriggerTests(TriggerHost host) : IClassFixture<TriggerHost>
{
    [Fact]
    public async Task CreateSession_NoUser_Returns400ProblemNamingUser()
    {
        // Arrange
        HttpContext context = host.Request("POST", "/api/sessions", """{"org":"contoso"}""");

        // Act
        IActionResult result = await HttpTriggers.CreateSession(context.Request, host.Client);
        (int status, string? contentType, string body) = await TriggerHost.RespondAsync(context, result);

        // Assert
        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.StartsWith("application/problem+json", contentType);
        using JsonDocument problem = JsonDocument.Parse(body);
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        JsonElement errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("user", out JsonElement user), $"errors should name 'user': {body}");
        Assert.NotEmpty(user.EnumerateArray());
        Assert.False(errors.TryGetProperty("org", out _), $"'org' was given and valid: {body}");
    }

    [Fact]
    public async Task CreateSession_UnknownField_Returns400ProblemNamingTheField()
    {
        // Arrange
        HttpContext context = host.Request("POST", "/api/sessions", """{"user":"a","org":"b","bogus":1}""");

        // Act
        IActionResult result = await HttpTriggers.CreateSession(context.Request, host.Client);
        (int status, string? contentType, string body) = await TriggerHost.RespondAsync(context, result);

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
        IActionResult result = await HttpTriggers.CreateSession(context.Request, host.Client);
        (int status, string? contentType, _) = await TriggerHost.RespondAsync(context, result);

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
        IActionResult result = await HttpTriggers.GetTurn(context.Request, host.Client, sessionId, "abc");
        (int status, string? contentType, string body) = await TriggerHost.RespondAsync(context, result);

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
        IActionResult result = await HttpTriggers.GetSession(context.Request, host.Client, sessionId);
        (int status, string? contentType, string body) = await TriggerHost.RespondAsync(context, result);

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
        HttpContext context = host.Request("POST", $"/api/sessions/{sessionId}/turns/0/approvals", """{"decision":"approve","approver":"a"}""");

        // Act
        IActionResult result = await HttpTriggers.SubmitApproval(context.Request, host.Client, sessionId, "0");
        (int status, _, string body) = await TriggerHost.RespondAsync(context, result);

        // Assert
        Assert.Equal(StatusCodes.Status400BadRequest, status);
        using JsonDocument problem = JsonDocument.Parse(body);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("turn", out _), $"errors should name 'turn': {body}");
    }
}
