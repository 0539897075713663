namespace Agents.Testing;

/// <summary>
/// One sample of each kind of personal data and secret the redactor must scrub, as it would appear in a ticket or a
/// file. <see cref="Values"/> are the strings that must never leave the process.
/// </summary>
public static class SecretsCorpus
{
    /// <summary>An Azure storage account key: 64 bytes in base64 (88 characters).</summary>
    public static readonly string StorageKey = Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)(i * 37 + 11)).ToArray());

    /// <summary>Matches the configured pattern the tests set (<see cref="ConfiguredPattern"/>).</summary>
    public const string CustomerId = "CUST-482913";

    public const string ConfiguredPattern = @"\bCUST-[0-9]{6}\b";

    public static readonly IReadOnlyDictionary<string, string> Values = new Dictionary<string, string>
    {
        ["email"] = "dana.lee@contoso-mail.example",
        ["phone"] = "+44 20 7946 0958",
        ["us-phone"] = "(415) 555-0132",
        ["card"] = "4111 1111 1111 1111",
        ["us-ssn"] = "078-05-1120",
        ["uk-ni"] = "AB 12 34 56 C",
        ["ipv4"] = "203.0.113.42",
        ["ipv6"] = "2001:db8:85a3::8a2e:370:7334",
        ["jwt"] = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkYW5hIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        ["aws"] = "AKIAIOSFODNN7EXAMPLE",
        ["github"] = "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        ["github-pat"] = "github_pat_11ABCDEFG0aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        ["slack"] = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        ["openai"] = "sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56",
        ["storage-key"] = StorageKey,
        ["sas-sig"] = "sv2022Xq0Zr8sIgNaTuRe1234abcd",
        ["sql-password"] = "Hunter2!Pa55word",
        ["pem-body"] = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
        ["configured"] = CustomerId,
    };

    /// <summary>The corpus as a ticket or a file would carry it: the values in their usual surroundings.</summary>
    public static string Text(string heading) => $"""
        {heading}

        Contact: {Values["email"]}, phone {Values["phone"]} or {Values["us-phone"]}.
        Refund card {Values["card"]} for customer {CustomerId}; SSN {Values["us-ssn"]}, NI number {Values["uk-ni"]}.
        Seen from {Values["ipv4"]} and {Values["ipv6"]}.
        Session token: Bearer {Values["jwt"]}
        aws_key {Values["aws"]}, GitHub {Values["github"]} and {Values["github-pat"]}, Slack {Values["slack"]}, OpenAI {Values["openai"]}.
        Storage key on its own: {Values["storage-key"]}
        DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey={Values["storage-key"]};EndpointSuffix=core.windows.net
        https://contosodata.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig={Values["sas-sig"]}
        Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessSignature={Values["sas-sig"]}
        Server=tcp:db.contoso.example;Database=inventory;User Id=app;Password={Values["sql-password"]};
        -----BEGIN PRIVATE KEY-----
        {Values["pem-body"]}
        -----END PRIVATE KEY-----
        """;
}
