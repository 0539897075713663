using System.Net;
using System.Text.Json;
using AgentHost.Tests;
using Agents.Core.Sessions;

namespace AgentUi.Tests;

/// <summary><c>GET /api/sessions</c>, which the sessions page reads: newest first, paged with a limit and a cursor.</summary>
[Collection(UiCollection.Name)]
public sealed class SessionListApiTests(UiFixture ui)
{
    [Fact]
    public async Task ListSessions_ThreeNewSessions_NewestFirstAndPagedByCursor()
    {
        // Arrange: three sessions of the caller's org by three colleagues, created one after the other within the same
        // second or so, and between them one of another org, which the caller's list leaves out.
        string org = HostProcess.DefaultCaller.Org;
        string first = await ui.ClientAs(new Caller("ann", org, [])).CreateSessionAsync("""{"title":"first"}""");
        string second = await ui.ClientAs(new Caller("bob", org, [])).CreateSessionAsync("""{"title":"second"}""");
        await ui.ClientAs(new Caller("fay", "fabrikam", [])).CreateSessionAsync("""{"title":"another org's"}""");
        string third = await ui.ClientAs(new Caller("cy", org, [])).CreateSessionAsync("{}");

        // Act
        JsonElement page1 = await (await ui.Http.GetAsync("api/sessions?limit=2")).JsonAsync();
        string next = page1.GetProperty("next").GetString()!;
        JsonElement page2 = await (await ui.Http.GetAsync(next.TrimStart('/'))).JsonAsync();

        // Assert
        Assert.Equal(2, page1.GetProperty("limit").GetInt32());
        Assert.True(page1.GetProperty("total").GetInt32() >= 3);
        Assert.Equal([third, second], page1.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("sessionId").GetString()));
        Assert.Equal(first, page2.GetProperty("sessions")[0].GetProperty("sessionId").GetString());
        Assert.StartsWith("/api/sessions?limit=2&before=", next, StringComparison.Ordinal);

        JsonElement bob = page1.GetProperty("sessions")[1];
        Assert.Equal("bob", bob.GetProperty("user").GetString());
        Assert.Equal(org, bob.GetProperty("org").GetString());
        Assert.Equal("second", bob.GetProperty("title").GetString());
        Assert.Equal("idle", bob.GetProperty("status").GetString());
        Assert.Equal(0, bob.GetProperty("turnCount").GetInt32());
        Assert.Equal(0, bob.GetProperty("tokens").GetInt32());
        Assert.Equal(0m, bob.GetProperty("costUsd").GetDecimal());
        Assert.Equal($"/api/sessions/{second}", bob.GetProperty("href").GetString());
        DateTime created = bob.GetProperty("createdAt").GetDateTime();
        DateTime lastActivity = bob.GetProperty("lastActivityAt").GetDateTime();
        Assert.InRange(DateTime.UtcNow - created, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.True(lastActivity >= created.AddSeconds(-1), $"last activity {lastActivity:o} before creation {created:o}");
    }

    [Fact]
    public async Task ListSessions_AllPages_EverySessionOnceInOrder()
    {
        // Arrange
        for (int i = 0; i < 3; i++)
        {
            await ui.Http.CreateSessionAsync();
        }

        // Act: walk every page, one session per page.
        var seen = new List<(string Id, DateTime Created)>();
        string? link = "api/sessions?limit=1";
        int total = 0;
        while (link is not null)
        {
            HttpResponseMessage response = await ui.Http.GetAsync(link.TrimStart('/'));
            Assert.True(response.IsSuccessStatusCode, $"{link}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            JsonElement page = await response.JsonAsync();
            total = page.GetProperty("total").GetInt32();
            seen.AddRange(page.GetProperty("sessions").EnumerateArray().Select(s => (s.GetProperty("sessionId").GetString()!, s.GetProperty("createdAt").GetDateTime())));
            link = page.TryGetProperty("next", out JsonElement next) ? next.GetString() : null;
            Assert.True(seen.Count <= total, "the pages repeat themselves");
        }

        // Assert
        Assert.Equal(total, seen.Count);
        Assert.Equal(seen.Count, seen.Select(s => s.Id).Distinct().Count());
        // Newest first: by the second the session's log was created, then by the session's creation time within it.
        for (int i = 1; i < seen.Count; i++)
        {
            Assert.True(seen[i].Created <= seen[i - 1].Created.AddSeconds(1), $"{seen[i].Id} ({seen[i].Created:o}) listed after {seen[i - 1].Id} ({seen[i - 1].Created:o})");
        }
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("before=not-a-cursor", "before")]
    [InlineData("before=1.2.UPPER", "before")]
    public async Task ListSessions_InvalidQuery_Returns400NamingTheField(string query, string field)
    {
        // Act
        HttpResponseMessage response = await ui.Http.GetAsync($"api/sessions?{query}");

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }
}
