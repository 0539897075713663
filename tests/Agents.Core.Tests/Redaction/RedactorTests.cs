using System.Diagnostics;
using System.Text.Json.Nodes;
using Agents.Core.Redaction;
using Agents.Core.Telemetry;
using Agents.Testing;

namespace Agents.Core.Tests.Redaction;

public sealed class RedactorTests
{
    readonly Redactor redactor = new([SecretsCorpus.ConfiguredPattern]);

    [Theory]
    [InlineData("write to dana.lee@contoso-mail.example today", "[email]")]
    [InlineData("call +44 20 7946 0958 now", "[phone]")]
    [InlineData("call (415) 555-0132 now", "[phone]")]
    [InlineData("{\"title\":\"call \\u002B44 20 7946 0958\"}", "[phone]")]
    [InlineData("card 4111 1111 1111 1111 on file", "[card]")]
    [InlineData("card 5500-0000-0000-0004 on file", "[card]")]
    [InlineData("SSN 078-05-1120", "[national-id]")]
    [InlineData("NI AB 12 34 56 C", "[national-id]")]
    [InlineData("NI AB123456C", "[national-id]")]
    [InlineData("from 203.0.113.42 twice", "[ip]")]
    [InlineData("from 2001:db8:85a3::8a2e:370:7334 twice", "[ip]")]
    [InlineData("from 2001:0db8:85a3:0000:0000:8a2e:0370:7334 twice", "[ip]")]
    [InlineData("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkYW5hIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "[jwt]")]
    [InlineData("key AKIAIOSFODNN7EXAMPLE", "[api-key]")]
    [InlineData("token ghp_16C7e42F292c6912E7710c838347Ae178B4a", "[api-key]")]
    [InlineData("token github_pat_11ABCDEFG0aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "[api-key]")]
    [InlineData("slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "[api-key]")]
    [InlineData("openai sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56", "[api-key]")]
    [InlineData("AccountName=x;AccountKey=bm90IGEgcmVhbCBrZXk=;EndpointSuffix=core.windows.net", "AccountKey=[secret]")]
    [InlineData("Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessSignature=sv2022Xq0Zr8sIgNaTuRe", "SharedAccessSignature=[secret]")]
    [InlineData("Server=tcp:db;User Id=app;Password=Hunter2!Pa55word;", "Password=[secret]")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END RSA PRIVATE KEY-----", "[private-key]")]
    [InlineData("customer CUST-482913 called", "[redacted]")]
    public void Redact_EachDetector_ReplacesTheValueWithItsPlaceholder(string text, string placeholder)
    {
        // Act
        string redacted = this.redactor.Redact(text);

        // Assert
        Assert.Contains(placeholder, redacted);
        Assert.DoesNotContain(SecretPart(text), redacted);
    }

    [Fact]
    public void Redact_StandaloneStorageAccountKey_IsReplaced()
    {
        // Act
        string redacted = this.redactor.Redact($"key: {SecretsCorpus.StorageKey} end");

        // Assert
        Assert.DoesNotContain(SecretsCorpus.StorageKey, redacted);
    }

    [Theory]
    [InlineData("order 4111 1111 1111 1112 shipped")] // fails the Luhn check: an order id, not a card
    [InlineData("invoice 1234567890123456")]
    [InlineData("tracking 9400 1000 0000 0000 0000 00")]
    [InlineData("listening on http://127.0.0.1:10000/devstoreaccount1")] // loopback is not personal data
    [InlineData("started 2026-11-26T10:29:26Z after 12:30:45")]
    [InlineData("sha256:0955e8193a8f0c1e6a7d3b2c4f5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5")]
    [InlineData("version 1.20.1 of paginate(items, 1, page_size=20)")]
    public void Redact_TextWithoutPersonalDataOrSecrets_IsUnchanged(string text)
    {
        Assert.Equal(text, this.redactor.Redact(text));
    }

    [Theory]
    [InlineData("4111 1111 1111 1111", true)]
    [InlineData("4111111111111111", true)]
    [InlineData("4111 1111 1111 1112", false)]
    [InlineData("1234 5678 9012 3456", false)]
    [InlineData("411111111111", false)] // too short for a card
    public void Luhn_Candidates_AcceptsOnlyValidCardNumbers(string candidate, bool valid)
    {
        Assert.Equal(valid, Redactor.Luhn(candidate));
    }

    [Fact]
    public void Redact_WholeCorpus_LeavesNoValue()
    {
        // Act
        string redacted = this.redactor.Redact(SecretsCorpus.Text("ticket"));

        // Assert
        Assert.DoesNotContain(SecretsCorpus.Values, v => redacted.Contains(v.Value, StringComparison.Ordinal));
    }

    [Fact]
    public void JsonRedaction_NestedDocument_RedactsStringValuesOnly()
    {
        // Arrange
        JsonNode document = JsonNode.Parse("""{"to":"dana.lee@contoso-mail.example","n":4111111111111111,"list":[{"ip":"203.0.113.42"}],"ok":true}""")!;

        // Act
        string json = JsonRedaction.Redact(document, this.redactor)!.ToJsonString();

        // Assert
        Assert.Equal("""{"to":"[email]","n":4111111111111111,"list":[{"ip":"[ip]"}],"ok":true}""", json);
    }

    [Fact]
    public void TurnTrace_Ids_AreDerivedFromSessionAndTurn()
    {
        // Act
        ActivityTraceId first = TurnTrace.TraceId("abc", 1);

        // Assert
        Assert.Equal(first, TurnTrace.TraceId("abc", 1));
        Assert.NotEqual(first, TurnTrace.TraceId("abc", 2));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("trace:abc:1"u8))[..32], first.ToHexString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("span:abc:1"u8))[..16], TurnTrace.TurnSpanId("abc", 1).ToHexString());
    }

    /// <summary>The sensitive part of a sample: what follows its label.</summary>
    static string SecretPart(string text)
    {
        int at = text.IndexOfAny(['=', ' ', '\n']);
        string tail = at < 0 ? text : text[(at + 1)..];
        return tail.Split([' ', ';', '\n'], StringSplitOptions.RemoveEmptyEntries).OrderByDescending(p => p.Length).First();
    }
}
