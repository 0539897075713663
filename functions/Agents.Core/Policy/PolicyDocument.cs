using Cel;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Agents.Core.Policy;

/// <summary>A rule as written: an effect, a CEL condition, an optional mode, and where it is in the document.</summary>
public sealed record PolicyRule(string Id, PolicyEffect Effect, string When, PolicyMode? Mode, string? Reason, int Line);

/// <summary>Why a policy document was refused: the line and the reason.</summary>
public sealed class PolicyLoadException(string source, int line, string reason)
    : Exception($"{source}:{line}: {reason}")
{
    public int Line { get; } = line;

    public string Reason { get; } = reason;
}

/// <summary>
/// Parses a policy document (YAML): <c>version</c>, <c>mode</c> (enforce | report_only), and <c>rules</c>, each with
/// <c>id</c>, <c>effect</c> (permit | forbid | require_approval), <c>when</c> (a CEL expression over principal, action,
/// resource and context), and optional <c>mode</c> and <c>reason</c>.
/// </summary>
public static class PolicyDocument
{
    public static (string Version, PolicyMode Mode, string? Description, IReadOnlyList<PolicyRule> Rules) Parse(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new PolicyLoadException(source, (int)e.Start.Line, $"not valid YAML: {e.Message}");
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new PolicyLoadException(source, 1, "expected one YAML mapping with version, mode and rules");
        }

        string version = Scalar(root, "version", source) ?? throw new PolicyLoadException(source, (int)root.Start.Line, "'version' is required");
        PolicyMode mode = ParseMode(Scalar(root, "mode", source) ?? "enforce", source, root);
        string? description = Scalar(root, "description", source);
        if (!root.Children.TryGetValue(new YamlScalarNode("rules"), out YamlNode? rulesNode) || rulesNode is not YamlSequenceNode rules || rules.Children.Count == 0)
        {
            throw new PolicyLoadException(source, (int)root.Start.Line, "'rules' must be a non-empty list");
        }

        var parsed = new List<PolicyRule>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (YamlNode node in rules)
        {
            int line = (int)node.Start.Line;
            if (node is not YamlMappingNode rule)
            {
                throw new PolicyLoadException(source, line, "each rule must be a mapping with id, effect and when");
            }

            foreach (var key in rule.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value))
            {
                if (key is not ("id" or "effect" or "when" or "mode" or "reason"))
                {
                    throw new PolicyLoadException(source, line, $"unknown field '{key}' in a rule (expected id, effect, when, mode, reason)");
                }
            }

            string id = Scalar(rule, "id", source) ?? throw new PolicyLoadException(source, line, "a rule has no 'id'");
            if (!ids.Add(id))
            {
                throw new PolicyLoadException(source, line, $"rule id '{id}' appears twice");
            }

            string effectText = Scalar(rule, "effect", source) ?? throw new PolicyLoadException(source, line, $"rule '{id}' has no 'effect'");
            PolicyEffect effect = effectText switch
            {
                "permit" => PolicyEffect.Permit,
                "forbid" => PolicyEffect.Forbid,
                "require_approval" => PolicyEffect.RequireApproval,
                _ => throw new PolicyLoadException(source, line, $"rule '{id}': effect '{effectText}' is not permit, forbid or require_approval"),
            };
            string when = Scalar(rule, "when", source) ?? throw new PolicyLoadException(source, line, $"rule '{id}' has no 'when' (use 'true' to always match)");
            string? ruleMode = Scalar(rule, "mode", source);
            parsed.Add(new PolicyRule(id, effect, when, ruleMode is null ? null : ParseMode(ruleMode, source, rule), Scalar(rule, "reason", source), line));
        }

        return (version, mode, description, parsed);
    }

    static PolicyMode ParseMode(string text, string source, YamlNode at) => text switch
    {
        "enforce" => PolicyMode.Enforce,
        "report_only" => PolicyMode.ReportOnly,
        _ => throw new PolicyLoadException(source, (int)at.Start.Line, $"mode '{text}' is not enforce or report_only"),
    };

    static string? Scalar(YamlMappingNode node, string key, string source)
    {
        if (!node.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? value))
        {
            return null;
        }

        return value is YamlScalarNode scalar && !string.IsNullOrWhiteSpace(scalar.Value)
            ? scalar.Value
            : throw new PolicyLoadException(source, (int)value.Start.Line, $"'{key}' must be a non-empty text");
    }
}
