using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Agents.Core.Sessions;
using Microsoft.IdentityModel.Tokens;

namespace AgentHost.Tests;

/// <summary>Over real HTTP to a host process: only tokens of the trusted issuer, for this API, unexpired and signed with its key, get in.</summary>
[Collection(HostCollection.Name)]
public sealed class BearerTokenTests(HostFixture host)
{
    static readonly Caller Dana = HostProcess.DefaultCaller;

    [Theory]
    [InlineData("forged-signature", "signature")]
    [InlineData("expired", "expired")]
    [InlineData("wrong-audience", "audience")]
    [InlineData("wrong-issuer", "issuer")]
    [InlineData("alg-none", "unsigned")]
    [InlineData("hs256-with-the-rsa-public-key", "HS256")]
    [InlineData("unsigned-rs256", "unsigned")]
    [InlineData("unknown-key", "key")]
    [InlineData("not-a-jwt", "not a JWT")]
    public async Task ApiCall_BadToken_Returns401WithBearerChallengeSayingWhy(string kind, string reason)
    {
        // Arrange
        string token = this.TokenOf(kind);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/sessions") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        // Act
        HttpResponseMessage response = await host.Process.Anonymous.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        string challenge = Assert.Single(response.Headers.WwwAuthenticate).ToString();
        Assert.StartsWith("Bearer ", challenge);
        Assert.Contains("error=\"invalid_token\"", challenge);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement problem = await response.JsonAsync();
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("GET", "api/sessions/nosuchsession1")]
    [InlineData("POST", "api/sessions")]
    [InlineData("GET", "api/sessions/nosuchsession1/events")]
    [InlineData("GET", "api/no/such/route")]
    public async Task ApiCall_NoToken_Returns401WithBearerChallenge(string method, string path)
    {
        // Act
        HttpResponseMessage response = await host.Process.Anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"agentfunctions\"", Assert.Single(response.Headers.WwwAuthenticate).ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PublicRoutes_NoToken_AreServed()
    {
        // Act
        HttpResponseMessage health = await host.Process.Anonymous.GetAsync("api/health");
        HttpResponseMessage discovery = await host.Process.Anonymous.GetAsync("dev-issuer/.well-known/openid-configuration");
        HttpResponseMessage slack = await host.Process.Anonymous.PostAsync("api/slack/interactions", new StringContent("payload=%7B%7D", Encoding.UTF8, "application/x-www-form-urlencoded"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
        Assert.Equal(host.Process.Tokens.Issuer, (await discovery.JsonAsync()).GetProperty("issuer").GetString());
        Assert.NotEqual(HttpStatusCode.OK, slack.StatusCode);
        Assert.Empty(slack.Headers.WwwAuthenticate); // refused by Slack's signature check, not by the bearer gate
    }

    [Fact]
    public async Task ApiCall_ValidToken_IsServed()
    {
        // Act
        HttpResponseMessage response = await host.Process.Http.PostJsonAsync("api/sessions", "{}");

        // Assert
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    string TokenOf(string kind)
    {
        var tokens = host.Process.Tokens;
        RsaSecurityKey real = Agents.Edge.Auth.DevSigningKeys.LoadOrCreate(host.KeyFile).Current;
        switch (kind)
        {
            case "forged-signature":
                // Another key claiming the real key's id.
                return tokens.Mint(Dana, TimeSpan.FromMinutes(5), new RsaSecurityKey(RSA.Create(2048)) { KeyId = real.KeyId }, SecurityAlgorithms.RsaSha256);
            case "expired":
                return tokens.Mint(Dana, TimeSpan.FromMinutes(10), real, SecurityAlgorithms.RsaSha256, issuedAt: DateTimeOffset.UtcNow.AddHours(-1));
            case "wrong-audience":
                return tokens.Mint(Dana, TimeSpan.FromMinutes(5), real, SecurityAlgorithms.RsaSha256, audienceOverride: "api://someone-else");
            case "wrong-issuer":
                return tokens.Mint(Dana, TimeSpan.FromMinutes(5), real, SecurityAlgorithms.RsaSha256, issuerOverride: "https://issuer.example.com");
            case "alg-none":
                return $"{Part(new { alg = "none", typ = "JWT" })}.{Part(Claims(tokens.Issuer))}.";
            case "hs256-with-the-rsa-public-key":
                // Key confusion: HMAC keyed with the public key a verifier might wrongly use as the shared secret.
                byte[] publicKey = Encoding.UTF8.GetBytes(real.Rsa.ExportSubjectPublicKeyInfoPem());
                return tokens.Mint(Dana, TimeSpan.FromMinutes(5), new SymmetricSecurityKey(publicKey) { KeyId = real.KeyId }, SecurityAlgorithms.HmacSha256);
            case "unsigned-rs256":
                string signed = tokens.Mint(Dana);
                return signed[..(signed.LastIndexOf('.') + 1)];
            case "unknown-key":
                return tokens.Mint(Dana, TimeSpan.FromMinutes(5), new RsaSecurityKey(RSA.Create(2048)) { KeyId = "never-published" }, SecurityAlgorithms.RsaSha256);
            case "not-a-jwt":
                return "hello";
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    static object Claims(string issuer)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new Dictionary<string, object>
        {
            ["iss"] = issuer,
            ["aud"] = Agents.Edge.Auth.DevTokenIssuer.DefaultAudience,
            ["sub"] = Dana.User,
            ["org"] = Dana.Org,
            ["roles"] = Dana.Roles,
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + 300,
        };
    }

    static string Part(object value) => Base64UrlEncoder.Encode(JsonSerializer.Serialize(value));
}
