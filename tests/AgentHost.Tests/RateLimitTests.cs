using System.Net;
using System.Text.Json;
using Agents.Core.Sessions;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>Per-user and per-org request limits at the edge: 429 problem+json with Retry-After, and service again after the window.</summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    const int UserLimit = 3;
    const int OrgLimit = 5;

    PrivateHost? owned;

    HostProcess Host => this.owned!.Process;

    public async Task InitializeAsync()
    {
        this.owned = await PrivateHost.StartAsync(new Dictionary<string, string?>
        {
            ["Durable:Backend"] = "InMemory",
            ["RateLimits:User:PermitLimit"] = UserLimit.ToString(),
            // Long windows (a refill every 10 s for users), so that no refill lands among the test's requests however slow the machine.
            ["RateLimits:User:WindowSeconds"] = "30",
            ["RateLimits:Org:PermitLimit"] = OrgLimit.ToString(),
            ["RateLimits:Org:WindowSeconds"] = "60",
        });
    }

    public async Task DisposeAsync() => await this.owned!.DisposeAsync();

    [Fact]
    public async Task User_OverTheLimit_Gets429WithRetryAfterThenIsServedAfterTheWindow()
    {
        // Arrange
        HttpClient ann = this.Host.ClientAs(new Caller("ann", "umbrella", []));

        // Act: a burst well over the user's limit, then wait as told.
        var burst = new List<HttpResponseMessage>();
        for (int i = 0; i < UserLimit + 3; i++)
        {
            burst.Add(await ann.GetAsync("api/sessions/nosuchsession1"));
        }

        HttpResponseMessage refused = burst.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        int retryAfter = (int)refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
        HttpResponseMessage again = await Eventually.MatchAsync(
            () => ann.GetAsync("api/sessions/nosuchsession1"), r => r.StatusCode != HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(60), "the user's limit to recover");

        // Assert
        Assert.All(burst.Take(UserLimit), r => Assert.Equal(HttpStatusCode.NotFound, r.StatusCode));
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        JsonElement problem = await refused.JsonAsync();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Contains("RateLimits:User", problem.GetProperty("detail").GetString());
        Assert.InRange(retryAfter, 1, 10);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Org_ManyUsersTogetherOverTheOrgLimit_Gets429NamingTheOrg()
    {
        // Arrange: each user stays under their own limit; together they pass the org's.
        HttpClient[] users = Enumerable.Range(1, OrgLimit + 2).Select(i => this.Host.ClientAs(new Caller($"user{i}", "initech", []))).ToArray();

        // Act
        var answers = new List<HttpResponseMessage>();
        foreach (HttpClient user in users)
        {
            answers.Add(await user.GetAsync("api/sessions/nosuchsession1"));
        }

        HttpResponseMessage outsider = await this.Host.ClientAs(new Caller("zed", "globex", [])).GetAsync("api/sessions/nosuchsession1");

        // Assert
        HttpResponseMessage refused = answers.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.Contains("initech", (await refused.JsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode); // another org has its own allowance
    }
}
