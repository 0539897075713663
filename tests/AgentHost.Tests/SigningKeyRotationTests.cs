using Agents.Core.Sessions;
using Agents.Edge.Auth;
using Agents.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentHost.Tests;

/// <summary>
/// The issuer's keys are fetched once and cached; a token signed with a key the cache does not know makes the validator
/// fetch the JWKS once more (a rotation), and not again for every such token.
/// </summary>
public sealed class SigningKeyRotationTests : IAsyncLifetime
{
    static readonly Caller Dana = new("dana", "contoso", []);

    TestIssuer? issuer;
    ServiceProvider? services;

    BearerTokenValidator Validator => this.services!.GetRequiredService<BearerTokenValidator>();

    public async Task InitializeAsync()
    {
        this.issuer = await TestIssuer.StartAsync();
        this.services = new ServiceCollection()
            .AddSingleton(Options.Create(new AuthOptions { Authority = this.issuer.Issuer, RequireHttpsMetadata = false }))
            .AddHttpClient()
            .AddSingleton<BearerTokenValidator>()
            .BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await this.services!.DisposeAsync();
        await this.issuer!.DisposeAsync();
    }

    [Fact]
    public async Task Validate_TokenSignedWithANewKey_RefreshesTheKeysOnceAndAccepts()
    {
        // Arrange
        Authentication before = await this.Validator.AuthenticateAsync("Bearer " + this.issuer!.Mint(Dana));
        Authentication cached = await this.Validator.AuthenticateAsync("Bearer " + this.issuer.Mint(Dana));
        int fetchesBefore = this.issuer.JwksRequests;
        this.issuer.RotateKeys();

        // Act
        Authentication rotated = await this.Validator.AuthenticateAsync("Bearer " + this.issuer.Mint(Dana));
        int fetchesAfterRotation = this.issuer.JwksRequests;
        Authentication again = await this.Validator.AuthenticateAsync("Bearer " + this.issuer.Mint(Dana));
        Authentication unknown = await this.Validator.AuthenticateAsync("Bearer " + this.issuer.Tokens.Mint(
            Dana, TimeSpan.FromMinutes(5), new Microsoft.IdentityModel.Tokens.RsaSecurityKey(System.Security.Cryptography.RSA.Create(2048)) { KeyId = "never-published" }, "RS256"));

        // Assert
        Assert.Null(before.Failure);
        Assert.Null(cached.Failure);
        Assert.Equal(1, fetchesBefore);
        Assert.True(rotated.Failure is null, rotated.Failure?.Description);
        Assert.Equal("dana", rotated.Caller!.User);
        Assert.Equal(2, fetchesAfterRotation);
        Assert.Null(again.Failure);
        Assert.Equal("invalid_token", unknown.Failure!.Error);
        Assert.Equal(2, this.issuer.JwksRequests); // within Auth:RefreshIntervalSeconds an unknown key id forces no new fetch
    }
}
