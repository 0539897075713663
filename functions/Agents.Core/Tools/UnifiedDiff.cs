using System.Text.RegularExpressions;

namespace Agents.Core.Tools;

/// <summary>
/// Checks that a model's patch is a unified diff confined to the repository before anything applies it: no absolute
/// paths, no <c>..</c>, nothing under <c>.git/</c> (in any header git reads: <c>---</c>/<c>+++</c>, <c>diff --git</c>,
/// <c>rename</c>/<c>copy</c>), no symlinks or submodules, which could point outside the repository.
/// </summary>
public static partial class UnifiedDiff
{
    /// <summary>Returns the files the diff touches, or an error saying what is wrong.</summary>
    public static (IReadOnlyList<string> Files, string? Error) Validate(string diff, Func<string, bool>? fileExists = null)
    {
        if (string.IsNullOrWhiteSpace(diff))
        {
            return ([], "the patch is empty");
        }

        var files = new List<string>();
        string[] lines = diff.Replace("\r\n", "\n").Split('\n');
        bool sawHunk = false;
        for (int i = 0; i < lines.Length; i++)
        {
            if (GitHeaderPaths(lines[i]) is { } headerPaths)
            {
                foreach (string path in headerPaths)
                {
                    if (Escapes(path) is { } why)
                    {
                        return ([], $"line {i + 1}: path '{path}' {why}");
                    }
                }
            }
            else if (LinkMode().IsMatch(lines[i]))
            {
                return ([], $"line {i + 1}: the patch creates a symbolic link or a submodule ('{lines[i].Trim()}'), which could point outside the repository");
            }

            if (lines[i].StartsWith("--- ", StringComparison.Ordinal))
            {
                if (i + 1 >= lines.Length || !lines[i + 1].StartsWith("+++ ", StringComparison.Ordinal))
                {
                    return ([], $"line {i + 1}: '---' header is not followed by a '+++' header");
                }

                string? before = PathOf(lines[i][4..]);
                string? after = PathOf(lines[i + 1][4..]);
                foreach (string? path in new[] { before, after })
                {
                    if (path is null)
                    {
                        continue;
                    }

                    if (Escapes(path) is { } why)
                    {
                        return ([], $"line {i + 1}: path '{path}' {why}");
                    }
                }

                if (before is not null && fileExists is not null && !fileExists(before))
                {
                    return ([], $"line {i + 1}: the patch modifies '{before}', which does not exist");
                }

                files.Add(after ?? before ?? string.Empty);
                i++;
            }
            else if (HunkHeader().IsMatch(lines[i]))
            {
                if (files.Count == 0)
                {
                    return ([], $"line {i + 1}: hunk before any file header");
                }

                sawHunk = true;
            }
        }

        if (files.Count == 0 || !sawHunk)
        {
            return ([], "not a unified diff: expected '--- a/<path>', '+++ b/<path>' and '@@' hunks");
        }

        return (files.Distinct(StringComparer.Ordinal).ToList(), null);
    }

    /// <summary>Why a path is not allowed, or null when it stays inside the repository's work tree.</summary>
    static string? Escapes(string path)
    {
        if (path.Length == 0 || path.StartsWith('"') || path.Contains('\0'))
        {
            return "is empty, quoted or not plain text";
        }

        if (path.StartsWith('/') || path.StartsWith('~') || path.Contains('\\') || path.Contains(':') || path.Split('/').Contains(".."))
        {
            return "leaves the repository";
        }

        // Case-insensitive: on a case-insensitive file system '.GIT/hooks' is the same folder.
        return path.Split('/').Any(segment => string.Equals(segment, ".git", StringComparison.OrdinalIgnoreCase))
            ? "is inside .git/, which a patch may not touch"
            : null;
    }

    /// <summary>Paths named by git's extended headers (<c>diff --git a/x b/y</c>, <c>rename from x</c>, ...), or null for other lines.</summary>
    static IReadOnlyList<string>? GitHeaderPaths(string line)
    {
        if (line.StartsWith("diff --git ", StringComparison.Ordinal))
        {
            return line["diff --git ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => PathOf(p) ?? string.Empty).Where(p => p.Length > 0).ToList();
        }

        foreach (string prefix in (string[])["rename from ", "rename to ", "copy from ", "copy to "])
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return [line[prefix.Length..].Trim()];
            }
        }

        return null;
    }

    static string? PathOf(string header)
    {
        string path = header.Split('\t')[0].Trim();
        if (path == "/dev/null")
        {
            return null;
        }

        return path.StartsWith("a/", StringComparison.Ordinal) || path.StartsWith("b/", StringComparison.Ordinal) ? path[2..] : path;
    }

    [GeneratedRegex(@"^(new file mode|new mode|old mode|deleted file mode|index [0-9a-f]+\.\.[0-9a-f]+) ?(120000|160000)\b")]
    private static partial Regex LinkMode();

    [GeneratedRegex(@"^@@ -\d+(,\d+)? \+\d+(,\d+)? @@")]
    private static partial Regex HunkHeader();
}
