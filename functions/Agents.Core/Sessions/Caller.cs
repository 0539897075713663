using System.Text.RegularExpressions;

namespace Agents.Core.Sessions;

/// <summary>
/// Who is calling, as the edge authenticated them: the user, the org whose sessions they may read and drive, and their
/// roles. A session belongs to the org of the caller that created it.
/// </summary>
public sealed partial record Caller(string User, string Org, IReadOnlyList<string> Roles)
{
    public const string NameRule = "1 to 128 of letters, digits, '.', '_', '-', '@'";

    public bool HasRole(string role) => this.Roles.Contains(role, StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether a user or org name is usable (it ends up in blob names, events and the policy's input).</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9._@-]{1,128}$")]
    private static partial Regex NamePattern();
}
