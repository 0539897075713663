using System.Net;
using System.Text;
using Agents.Core.Credentials;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Agents.Core.Tests.Credentials;

/// <summary>
/// Key Vault at the seam (no emulator runs here): the real SecretClient, its challenge-based bearer authentication
/// and its error handling, with the HTTP exchange answered in process. Not a loopback server: the SDK refuses bearer
/// tokens over plain HTTP, so the vault URI stays https and the transport answers it.
/// </summary>
public sealed class KeyVaultSecretStoreTests
{
    static readonly Uri Vault = new("https://kv-agentfn-test.vault.azure.net/");
    readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));
    readonly VaultHandler vault = new();

    KeyVaultSecretStore Store()
    {
        var options = new SecretClientOptions { Transport = new HttpClientTransport(new HttpClient(this.vault)) };
        options.Retry.MaxRetries = 0;
        return new KeyVaultSecretStore(new SecretClient(Vault, new StaticToken(), options), TimeSpan.FromSeconds(60), this.time, NullLogger<KeyVaultSecretStore>.Instance);
    }

    [Fact]
    public async Task GetAsync_SecretSet_ReadsItAsTheAppIdentityAndReusesItForTheCacheTime()
    {
        this.vault.Answer = (HttpStatusCode.OK, """{"value":"vault-token-value-123","id":"https://kv-agentfn-test.vault.azure.net/secrets/github-token/v1","attributes":{"enabled":true}}""");
        KeyVaultSecretStore store = this.Store();

        SecretValue first = await store.GetAsync(SecretNames.GitHubToken);
        SecretValue cached = await store.GetAsync(SecretNames.GitHubToken);
        this.time.Advance(TimeSpan.FromSeconds(61));
        await store.GetAsync(SecretNames.GitHubToken);

        Assert.Equal("vault-token-value-123", first.Reveal());
        Assert.Same(first, cached);
        HttpRequestMessage[] authorized = this.vault.Requests.Where(r => r.Headers.Authorization is not null).ToArray();
        Assert.Equal(2, authorized.Length); // once, then again only after the cache time
        Assert.All(authorized, r => Assert.Equal("Bearer kv-access-token", r.Headers.Authorization!.ToString()));
        Assert.All(authorized, r => Assert.Equal("/secrets/github-token", r.RequestUri!.AbsolutePath.TrimEnd('/')));
        Assert.Equal(["https://vault.azure.net/.default"], StaticToken.Scopes);
    }

    [Fact]
    public async Task GetAsync_SecretMissing_SaysHowToSetIt()
    {
        this.vault.Answer = (HttpStatusCode.NotFound, """{"error":{"code":"SecretNotFound","message":"A secret with (name/id) github-token was not found in this key vault."}}""");

        var missing = await Assert.ThrowsAsync<SecretNotFoundException>(() => this.Store().GetAsync(SecretNames.GitHubToken));

        Assert.Contains("az keyvault secret set --vault-name <vault> --name github-token", missing.Message);
    }

    [Fact]
    public async Task GetAsync_IdentityWithoutAccess_NamesTheRoleItNeeds()
    {
        this.vault.Answer = (HttpStatusCode.Forbidden, """{"error":{"code":"Forbidden","message":"Caller is not authorized to perform action on resource."}}""");

        var denied = await Assert.ThrowsAsync<SecretAccessDeniedException>(() => this.Store().GetAsync(SecretNames.GitHubToken));

        Assert.Contains("Key Vault Secrets User", denied.Message);
        Assert.Contains("HTTP 403", denied.Message);
    }

    [Theory]
    [InlineData("https://kv-agentfn-test.vault.azure.net/", typeof(KeyVaultSecretStore))]
    [InlineData("", typeof(SettingsSecretStore))]
    public void AddCredentials_KeyVaultUri_SelectsTheSecretSource(string uri, Type expected)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["KeyVault:Uri"] = uri }).Build();
        using ServiceProvider services = new ServiceCollection().AddLogging().AddCredentials(configuration).BuildServiceProvider();

        Assert.IsType(expected, services.GetRequiredService<ISecretStore>());
    }

    /// <summary>Key Vault's side of the exchange: a bearer challenge to an anonymous request, then the scripted answer.</summary>
    sealed class VaultHandler : HttpMessageHandler
    {
        public (HttpStatusCode Status, string Body) Answer { get; set; } = (HttpStatusCode.InternalServerError, "{}");

        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            this.Requests.Add(request);
            if (request.Headers.Authorization is null)
            {
                var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = new StringContent(string.Empty) };
                challenge.Headers.TryAddWithoutValidation(
                    "WWW-Authenticate", "Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001\", resource=\"https://vault.azure.net\"");
                return Task.FromResult(challenge);
            }

            return Task.FromResult(new HttpResponseMessage(this.Answer.Status) { Content = new StringContent(this.Answer.Body, Encoding.UTF8, "application/json") });
        }
    }

    /// <summary>Stands in for the managed identity: a fixed access token, recording the scopes asked for.</summary>
    sealed class StaticToken : TokenCredential
    {
        public static List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (Scopes)
            {
                Scopes.Clear();
                Scopes.AddRange(requestContext.Scopes);
            }

            return new AccessToken("kv-access-token", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(this.GetToken(requestContext, cancellationToken));
    }
}
