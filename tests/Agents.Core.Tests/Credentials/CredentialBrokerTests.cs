using Agents.Core.Credentials;
using Agents.Core.Policy;
using Agents.Core.Redaction;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Agents.Core.Tests.Credentials;

/// <summary>Per-invocation credentials: one scope, one step, five minutes; refused with a reason otherwise.</summary>
public sealed class CredentialBrokerTests
{
    const string Token = "ghp_testtokenvalue0123456789abcdefghijkl";
    static readonly CredentialSubject Step = new("s-abc", "inventory-service", 1, "pr");
    static readonly ApprovalBinding Approval = new("s-abc:t-1:a-1", "lee", "binding", "pr-prep-1", 0);

    readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));
    readonly Redactor redactor = new();

    CredentialBroker Broker() => new(
        Options.Create(new CredentialOptions()),
        new SettingsSecretStore(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Secrets:github-token"] = Token }).Build()),
        this.time,
        NullLogger<CredentialBroker>.Instance,
        snapshots: null,
        this.redactor);

    [Fact]
    public void Issue_ForAStep_IsValidForFiveMinutesAndCarriesNoSecret()
    {
        ScopedCredential credential = this.Broker().Issue(CredentialScope.PullRequestCreate, Step, Approval)!;

        Assert.Equal(TimeSpan.FromMinutes(5), credential.ExpiresAt - credential.IssuedAt);
        Assert.Equal(Approval.ApprovalId, credential.ApprovalId);
        Assert.DoesNotContain(Token, credential.ToString());
        Assert.DoesNotContain(credential.Seal, credential.ToString());
    }

    [Fact]
    public void Issue_PushScopeWithoutApproval_IsRefused()
    {
        var refused = Assert.Throws<CredentialRefusedException>(() => this.Broker().Issue(CredentialScope.PullRequestCreate, Step, approval: null));

        Assert.Equal(CredentialRefusal.NotApproved, refused.Reason);
        Assert.Contains("only for an approved step", refused.Message);
    }

    [Fact]
    public async Task Redeem_AfterFiveMinutes_IsRefusedAsExpired()
    {
        CredentialBroker broker = this.Broker();
        ScopedCredential credential = broker.Issue(CredentialScope.PullRequestCreate, Step, Approval)!;
        CredentialGrant grant = broker.Redeem(credential, CredentialScope.PullRequestCreate, Step);

        this.time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        var onRedeem = Assert.Throws<CredentialRefusedException>(() => broker.Redeem(credential, CredentialScope.PullRequestCreate, Step));
        Assert.Equal(CredentialRefusal.Expired, onRedeem.Reason);
        Assert.Contains("expired at 2026-11-26T10:05:00Z", onRedeem.Message);
        // A grant obtained in time cannot be used to fetch the secret after the credential expired either.
        var onUse = await Assert.ThrowsAsync<CredentialRefusedException>(() => grant.SecretAsync(SecretNames.GitHubToken));
        Assert.Equal(CredentialRefusal.Expired, onUse.Reason);
    }

    [Fact]
    public void Redeem_JustBeforeExpiry_IsHonoured()
    {
        CredentialBroker broker = this.Broker();
        ScopedCredential credential = broker.Issue(CredentialScope.RepositoryRead, Step, approval: null)!;

        this.time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));

        Assert.Same(credential, broker.Redeem(credential, CredentialScope.RepositoryRead, Step).Credential);
    }

    [Fact]
    public void Redeem_ReadCredentialForPushing_IsRefusedAsOutOfScope()
    {
        CredentialBroker broker = this.Broker();
        ScopedCredential read = broker.Issue(CredentialScope.RepositoryRead, Step, approval: null)!;

        var refused = Assert.Throws<CredentialRefusedException>(() => broker.Redeem(read, CredentialScope.PullRequestCreate, Step));

        Assert.Equal(CredentialRefusal.OutOfScope, refused.Reason);
        Assert.Contains("scoped to repository:read, not pull-request:create", refused.Message);
    }

    [Fact]
    public async Task Secret_OutsideTheScope_IsRefusedAndNotFetched()
    {
        CredentialBroker broker = this.Broker();
        CredentialGrant read = broker.Redeem(broker.Issue(CredentialScope.RepositoryRead, Step, approval: null), CredentialScope.RepositoryRead, Step);

        var refused = await Assert.ThrowsAsync<CredentialRefusedException>(() => read.SecretAsync(SecretNames.GitHubToken));

        Assert.Equal(CredentialRefusal.OutOfScope, refused.Reason);
        Assert.Contains("repository:read does not give access to secret 'github-token'", refused.Message);
        Assert.Equal("token: " + Token, this.redactor.RedactSecrets("token: " + Token)); // never fetched, so never registered
    }

    [Fact]
    public void Redeem_CredentialOfAnotherStep_IsRefused()
    {
        CredentialBroker broker = this.Broker();
        ScopedCredential credential = broker.Issue(CredentialScope.PullRequestCreate, Step, Approval)!;

        var refused = Assert.Throws<CredentialRefusedException>(() => broker.Redeem(credential, CredentialScope.PullRequestCreate, Step with { Step = "other" }));

        Assert.Equal(CredentialRefusal.OtherStep, refused.Reason);
    }

    [Fact]
    public void Redeem_ExtendedExpiry_IsRefusedAsTampered()
    {
        CredentialBroker broker = this.Broker();
        ScopedCredential credential = broker.Issue(CredentialScope.PullRequestCreate, Step, Approval)!;

        var refused = Assert.Throws<CredentialRefusedException>(
            () => broker.Redeem(credential with { ExpiresAt = credential.ExpiresAt.AddHours(1) }, CredentialScope.PullRequestCreate, Step));

        Assert.Equal(CredentialRefusal.Tampered, refused.Reason);
    }

    [Fact]
    public void Redeem_CredentialFromAnotherBroker_IsRefusedAsTampered()
    {
        ScopedCredential foreign = this.Broker().Issue(CredentialScope.PullRequestCreate, Step, Approval)!;

        var refused = Assert.Throws<CredentialRefusedException>(() => this.Broker().Redeem(foreign, CredentialScope.PullRequestCreate, Step));

        Assert.Equal(CredentialRefusal.Tampered, refused.Reason);
    }

    [Fact]
    public async Task Secret_InScope_IsFetchedAndFromThenOnScrubbed()
    {
        CredentialBroker broker = this.Broker();
        CredentialGrant grant = broker.Redeem(broker.Issue(CredentialScope.PullRequestCreate, Step, Approval), CredentialScope.PullRequestCreate, Step);

        SecretValue secret = await grant.SecretAsync(SecretNames.GitHubToken);

        Assert.Equal(Token, secret.Reveal());
        Assert.Equal("[secret github-token]", secret.ToString());
        Assert.Equal("push with [secret] now", this.redactor.RedactSecrets($"push with {Token} now"));
        Assert.DoesNotContain(Token, this.redactor.Redact($"Authorization: token {Token}"));
    }

    [Fact]
    public async Task SettingsStore_MissingSecret_SaysWhereToSetIt()
    {
        var store = new SettingsSecretStore(new ConfigurationBuilder().Build());

        var missing = await Assert.ThrowsAsync<SecretNotFoundException>(() => store.GetAsync(SecretNames.GitHubToken));

        Assert.Contains("Secrets__github-token", missing.Message);
    }
}
