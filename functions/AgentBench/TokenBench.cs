using System.Diagnostics;
using System.Text;
using Agents.Core.Hosting;
using Agents.Core.Models;

namespace AgentBench;

/// <summary>Token counting throughput (o200k) over the bundled samples' text.</summary>
static class TokenBench
{
    public static object Run(TimeSpan duration)
    {
        string[] corpus = Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "samples"), "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".py", StringComparison.Ordinal) || f.EndsWith(".md", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .ToArray();
        long bytesPerPass = corpus.Sum(t => (long)Encoding.UTF8.GetByteCount(t));
        var counter = new TokenCounter();
        counter.Count("warm up");
        long tokens = 0, bytes = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            foreach (string text in corpus)
            {
                tokens += counter.Count(text);
            }

            bytes += bytesPerPass;
        }

        double seconds = clock.Elapsed.TotalSeconds;
        var figures = new { tokensPerSecond = Math.Round(tokens / seconds), megabytesPerSecond = Math.Round(bytes / seconds / 1_000_000, 2), corpusBytes = bytesPerPass, files = corpus.Length };
        Console.WriteLine($"token counting (o200k): {figures.tokensPerSecond:N0} tokens/s, {figures.megabytesPerSecond} MB/s over a {bytesPerPass:N0}-byte corpus of {corpus.Length} files");
        return figures;
    }
}
