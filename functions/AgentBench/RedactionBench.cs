using System.Diagnostics;
using System.Text;
using Agents.Core.Hosting;
using Agents.Core.Redaction;

namespace AgentBench;

/// <summary>
/// Redaction throughput over a realistic mixed corpus: the platform's own source and the sample repository (clean
/// code text) with a line of personal data or a secret scattered every 40 lines, redacted in 2 KB pieces (the size of
/// an event's fields or a span attribute) and as whole files.
/// </summary>
static class RedactionBench
{
    static readonly string[] Scattered =
    [
        "// reported by dana.lee@contoso-mail.example, call +44 20 7946 0958",
        "card = \"4111 1111 1111 1111\"  # test card",
        "order_id = \"4111 1111 1111 1112\"  # not a card: fails Luhn",
        "ssn: 078-05-1120, NI AB 12 34 56 C",
        "client = connect(\"203.0.113.42\", \"2001:db8:85a3::8a2e:370:7334\")",
        "AWS_KEY = \"AKIAIOSFODNN7EXAMPLE\"; TOKEN = \"ghp_16C7e42F292c6912E7710c838347Ae178B4a\"",
        "conn = \"DefaultEndpointsProtocol=https;AccountName=x;AccountKey=bm90IGEgcmVhbCBrZXk=;EndpointSuffix=core.windows.net\"",
        "auth = \"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkYW5hIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\"",
        "customer CUST-482913 asked for a refund",
    ];

    public static object Run(TimeSpan duration)
    {
        string corpus = Corpus();
        var redactor = new Redactor([@"\bCUST-[0-9]{6}\b"]);
        var pieces = Chunks(corpus, 2048).ToList();
        long bytes = Encoding.UTF8.GetByteCount(corpus);

        redactor.Redact(corpus); // warm up (regex construction, JIT)
        int placeholders = CountPlaceholders(string.Concat(pieces.Select(redactor.Redact)));
        double piecesMbPerS = Throughput(() => { foreach (string p in pieces) redactor.Redact(p); }, bytes, duration);
        double wholeMbPerS = Throughput(() => redactor.Redact(corpus), bytes, duration);
        var figures = new
        {
            corpusBytes = bytes,
            pieces = pieces.Count,
            scatteredLines = corpus.Split('\n').Length / 40,
            placeholders,
            piecesMbPerSecond = Math.Round(piecesMbPerS, 1),
            wholeMbPerSecond = Math.Round(wholeMbPerS, 1),
        };
        Console.WriteLine($"redaction ({bytes / 1024} KB of code with {figures.scatteredLines} scattered PII/secret lines, {placeholders} placeholders): " +
            $"{figures.piecesMbPerSecond} MB/s in 2 KB pieces, {figures.wholeMbPerSecond} MB/s as one text");
        return figures;
    }

    static double Throughput(Action pass, long bytes, TimeSpan duration)
    {
        int passes = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration || passes < 3)
        {
            pass();
            passes++;
        }

        return bytes * (double)passes / (1024 * 1024) / clock.Elapsed.TotalSeconds;
    }

    static string Corpus()
    {
        var files = Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "functions"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "samples", "repos"), "*.py", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        var text = new StringBuilder();
        int line = 0;
        foreach (string file in files)
        {
            foreach (string l in File.ReadLines(file))
            {
                text.Append(l).Append('\n');
                if (++line % 40 == 0)
                {
                    text.Append(Scattered[line / 40 % Scattered.Length]).Append('\n');
                }
            }
        }

        return text.ToString();
    }

    static IEnumerable<string> Chunks(string text, int size)
    {
        for (int i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }

    static int CountPlaceholders(string text) =>
        System.Text.RegularExpressions.Regex.Count(text, @"\[(email|phone|card|national-id|ip|jwt|api-key|secret|private-key|redacted)\]");
}
