using System.Text.RegularExpressions;

namespace Agents.Core.Tools;

/// <summary>Checks that a model's patch is a unified diff confined to the repository before anything applies it.</summary>
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

                    if (path.StartsWith('/') || path.Split('/').Contains("..") || path.Contains('\\'))
                    {
                        return ([], $"line {i + 1}: path '{path}' leaves the repository");
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

    static string? PathOf(string header)
    {
        string path = header.Split('\t')[0].Trim();
        if (path == "/dev/null")
        {
            return null;
        }

        return path.StartsWith("a/", StringComparison.Ordinal) || path.StartsWith("b/", StringComparison.Ordinal) ? path[2..] : path;
    }

    [GeneratedRegex(@"^@@ -\d+(,\d+)? \+\d+(,\d+)? @@")]
    private static partial Regex HunkHeader();
}
