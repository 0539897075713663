using System.Net;
using System.Text;
using System.Text.Json;
using Agents.Core.Sessions;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>Over real HTTP: a session belongs to its creator's org; other orgs get 403 for everything about it; approving needs the approver role.</summary>
[Collection(HostCollection.Name)]
public sealed class TenancyTests(HostFixture host)
{
    static readonly Caller Eve = new("eve", "fabrikam", ["approver"]);
    static readonly Caller LeeWithoutRole = new("lee", "contoso", []);

    [Theory]
    [InlineData("GET", "")]
    [InlineData("GET", "/turns/1")]
    [InlineData("GET", "/events")]
    [InlineData("GET", "/events/verify")]
    [InlineData("POST", "/turns")]
    [InlineData("POST", "/turns/1/approvals")]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task OtherOrg_AnythingAboutTheSession_Returns403(string method, string suffix)
    {
        // Arrange
        string id = await host.Http.CreateSessionAsync("{}");
        HttpClient eve = host.Process.ClientAs(Eve);
        string body = suffix.EndsWith("approvals", StringComparison.Ordinal) ? """{"decision":"approve"}""" : """{"input":"x"}""";
        using var request = new HttpRequestMessage(new HttpMethod(method), $"api/sessions/{id}{suffix}")
        {
            Content = method == "POST" ? new StringContent(body, Encoding.UTF8, "application/json") : null,
        };

        // Act
        HttpResponseMessage response = await eve.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("fabrikam", (await response.JsonAsync()).GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("POST", "/replay")]
    [InlineData("GET", "/replay/diff")]
    [InlineData("GET", "/eval-case")]
    public async Task OtherOrg_ReplayRoutes_Returns403(string method, string suffix)
    {
        // Arrange
        string id = await host.Http.CreateSessionAsync("{}");
        using var request = new HttpRequestMessage(new HttpMethod(method), $"api/sessions/{id}{suffix}")
        {
            Content = method == "POST" ? new StringContent("{}", Encoding.UTF8, "application/json") : null,
        };

        // Act
        HttpResponseMessage response = await host.Process.ClientAs(Eve).SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement problem = await response.JsonAsync();
        Assert.Equal("The session belongs to another org", problem.GetProperty("title").GetString());
        Assert.Contains("fabrikam", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ListSessions_TwoOrgs_EachSeesOnlyItsOwn()
    {
        // Arrange
        string ours = await host.Http.CreateSessionAsync("{}");
        HttpClient eve = host.Process.ClientAs(Eve);
        HttpResponseMessage created = await eve.PostJsonAsync("api/sessions", "{}");
        string theirs = (await created.JsonAsync()).GetProperty("sessionId").GetString()!;

        // Act
        JsonElement contoso = await (await host.Http.GetAsync("api/sessions?limit=100")).JsonAsync();
        JsonElement fabrikam = await (await eve.GetAsync("api/sessions?limit=100")).JsonAsync();

        // Assert
        string?[] contosoIds = [.. contoso.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("sessionId").GetString())];
        string?[] fabrikamIds = [.. fabrikam.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("sessionId").GetString())];
        Assert.Contains(ours, contosoIds);
        Assert.DoesNotContain(theirs, contosoIds);
        Assert.Contains(theirs, fabrikamIds);
        Assert.DoesNotContain(ours, fabrikamIds);
        Assert.All(contoso.GetProperty("sessions").EnumerateArray(), s => Assert.Equal("contoso", s.GetProperty("org").GetString()));
        Assert.All(fabrikam.GetProperty("sessions").EnumerateArray(), s => Assert.Equal("fabrikam", s.GetProperty("org").GetString()));
        Assert.Equal(fabrikamIds.Length, fabrikam.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task OtherOrg_SendTurn_StartsNoTurn()
    {
        // Arrange
        string id = await host.Http.CreateSessionAsync("{}");

        // Act
        HttpResponseMessage refused = await host.Process.ClientAs(Eve).SubmitTurnAsync(id, Api.Ticket101);
        JsonElement session = await (await host.Http.GetAsync($"api/sessions/{id}")).JsonAsync();

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(0, session.GetProperty("turnCount").GetInt32());
    }

    [Fact]
    public async Task CreateSession_OrgAndUser_ComeFromTheToken()
    {
        // Act
        HttpResponseMessage created = await host.Process.ClientAs(Eve).PostJsonAsync("api/sessions", "{}");
        string id = (await created.JsonAsync()).GetProperty("sessionId").GetString()!;
        JsonElement metadata = (await (await host.Process.ClientAs(Eve).GetAsync($"api/sessions/{id}")).JsonAsync()).GetProperty("metadata");

        // Assert
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("fabrikam", metadata.GetProperty("org").GetString());
        Assert.Equal("eve", metadata.GetProperty("user").GetString());
    }

    [Theory]
    [InlineData("""{"user":"dana","org":"fabrikam"}""", "org")]
    [InlineData("""{"user":"mallory","org":"contoso"}""", "user")]
    public async Task CreateSession_BodyNamesSomeoneElse_Returns403NamingTheField(string body, string field)
    {
        // Act
        HttpResponseMessage response = await host.Http.PostJsonAsync("api/sessions", body);

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public async Task Approve_WithoutTheApproverRole_Returns403NamingTheRole()
    {
        // Arrange
        string id = await host.Http.CreateSessionAsync("{}");

        // Act
        HttpResponseMessage response = await host.Process.ClientAs(LeeWithoutRole).PostJsonAsync($"api/sessions/{id}/turns/1/approvals", """{"decision":"approve"}""");

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("'approver'", (await response.JsonAsync()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Approve_ColleagueWithTheRole_IsRecordedAsTheApprover()
    {
        // Arrange
        string id = await host.Http.CreateSessionAsync("{}");
        Assert.Equal(HttpStatusCode.Accepted, (await host.Http.SubmitTurnAsync(id, Api.Ticket101)).StatusCode);
        await host.Http.WaitForTurnAsync(id, 1, Api.IsAwaitingApproval);
        HttpClient lee = host.Process.ClientAs(LeeWithoutRole with { Roles = ["approver"] });

        // Act
        HttpResponseMessage decided = await lee.PostJsonAsync($"api/sessions/{id}/turns/1/approvals", """{"decision":"approve"}""");
        JsonElement done = await host.Http.WaitForTurnAsync(id, 1, Api.IsCompleted);

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, decided.StatusCode);
        Assert.Equal("lee", done.GetProperty("approvals")[0].GetProperty("approver").GetString());
    }
}
