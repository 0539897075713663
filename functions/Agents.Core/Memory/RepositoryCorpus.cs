using System.Security.Cryptography;
using System.Text;
using Agents.Core.Tools;
using Microsoft.Extensions.Options;

namespace Agents.Core.LongTermMemory;

/// <summary>What a scan of a repository found to index, and what it left out.</summary>
public sealed record CorpusScan(IReadOnlyList<SourceFile> Files, IReadOnlyList<SkippedFile> Skipped);

/// <summary>
/// Lists a repository's files to index with the workspace's own rules (<see cref="RepositoryWorkspace.Files"/>: same
/// ignored folders, no symbolic links), keeps only those <c>mayIndex</c> allows (the caller's policy: the index must never
/// hold what the agent may not read), and leaves out files over <see cref="MemoryOptions.MaxFileBytes"/> and binaries
/// (a NUL byte, or not valid UTF-8).
/// </summary>
public sealed class RepositoryCorpus(RepositoryWorkspace workspace, IOptions<MemoryOptions> options)
{
    const int BinaryProbeBytes = 8_000;
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public CorpusScan Scan(string repository, Func<string, bool> mayIndex)
    {
        ArgumentNullException.ThrowIfNull(mayIndex);
        string root = workspace.RootOf(repository);
        var files = new List<SourceFile>();
        var skipped = new List<SkippedFile>();
        foreach (string path in workspace.Files(root))
        {
            // The caller's filter first: a forbidden file is not even opened.
            if (!mayIndex(path))
            {
                skipped.Add(new SkippedFile(path, SkipReasons.Filtered));
                continue;
            }

            string full = Path.Combine(root, path);
            try
            {
                if (new FileInfo(full).Length > options.Value.MaxFileBytes)
                {
                    skipped.Add(new SkippedFile(path, SkipReasons.TooLarge));
                    continue;
                }

                byte[] bytes = File.ReadAllBytes(full);
                if (bytes.Length > options.Value.MaxFileBytes)
                {
                    skipped.Add(new SkippedFile(path, SkipReasons.TooLarge));
                    continue;
                }

                if (Decode(bytes) is not { } text)
                {
                    skipped.Add(new SkippedFile(path, SkipReasons.Binary));
                    continue;
                }

                files.Add(new SourceFile(path, Hash(bytes), text));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                skipped.Add(new SkippedFile(path, SkipReasons.Unreadable));
            }
        }

        return new CorpusScan(files, skipped);
    }

    public static string Hash(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>The file's text, or null when it looks binary.</summary>
    public static string? Decode(byte[] bytes)
    {
        if (bytes.AsSpan(0, Math.Min(bytes.Length, BinaryProbeBytes)).Contains((byte)0))
        {
            return null;
        }

        try
        {
            ReadOnlySpan<byte> body = bytes.AsSpan();
            if (body.StartsWith(Encoding.UTF8.Preamble))
            {
                body = body[Encoding.UTF8.Preamble.Length..];
            }

            return StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>A file to index from its bytes (tests, benchmarks, other sources than the workspace).</summary>
    public static SourceFile FromText(string path, string text) => new(path, Hash(Encoding.UTF8.GetBytes(text)), text);
}
