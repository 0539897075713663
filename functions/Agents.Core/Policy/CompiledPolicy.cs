using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Cel;

namespace Agents.Core.Policy;

/// <summary>
/// A policy version, compiled once: each rule's CEL condition is parsed at load, then evaluated against a
/// representative input so that unknown variables, fields or functions are refused at load (CEL's checker is not
/// available in this library) instead of at the first real call.
/// Semantics: default deny; forbid overrides everything; require_approval overrides permit; a rule that fails to
/// evaluate counts as forbid (fail closed). Report-only rules, or a report-only policy, record what they would have
/// done without changing the outcome.
/// </summary>
public sealed class CompiledPolicy
{
    static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    readonly IReadOnlyList<(PolicyRule Rule, CelProgramDelegate Program)> rules;

    CompiledPolicy(string version, PolicyMode mode, string? description, IReadOnlyList<(PolicyRule, CelProgramDelegate)> rules, string source, string text)
    {
        this.Version = version;
        this.Mode = mode;
        this.Description = description;
        this.rules = rules;
        this.Source = source;
        this.Text = text;
    }

    public string Version { get; }

    public PolicyMode Mode { get; }

    public string? Description { get; }

    public string Source { get; }

    /// <summary>The document as loaded, so that a past decision can be explained or re-run under this exact version.</summary>
    public string Text { get; }

    public IReadOnlyList<PolicyRule> Rules => this.rules.Select(r => r.Rule).ToList();

    public static CompiledPolicy Load(string text, string source)
    {
        (string version, PolicyMode mode, string? description, IReadOnlyList<PolicyRule> parsed) = PolicyDocument.Parse(text, source);
        var environment = new CelEnvironment(null, null);

        // CEL's matches() built a new Regex on every call; patterns come from the policy text, so compile each once.
        // The timeout bounds a pathological pattern against attacker-controlled arguments (it counts as an evaluation error: forbid).
        environment.RegisterFunction("matches", [typeof(string), typeof(string)], args =>
            Patterns.GetOrAdd((string)args[1]!, pattern => new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100))).IsMatch((string)args[0]!));
        var compiled = new List<(PolicyRule, CelProgramDelegate)>();
        foreach (PolicyRule rule in parsed)
        {
            CelProgramDelegate program;
            try
            {
                program = environment.Compile(rule.When);
            }
            catch (Exception e) when (e is CelException or InvalidOperationException or ArgumentException)
            {
                throw new PolicyLoadException(source, rule.Line, $"rule '{rule.Id}': the condition does not parse: {e.Message}");
            }

            foreach (IDictionary<string, object?> sample in PolicyInputs.Samples)
            {
                object? result;
                try
                {
                    result = program(sample);
                }
                catch (Exception e)
                {
                    throw new PolicyLoadException(source, rule.Line, $"rule '{rule.Id}': the condition does not check against the policy inputs: {e.Message}");
                }

                if (result is not bool)
                {
                    throw new PolicyLoadException(source, rule.Line, $"rule '{rule.Id}': the condition must be true or false, not {result ?? "null"}");
                }
            }

            compiled.Add((rule, program));
        }

        return new CompiledPolicy(version, mode, description, compiled, source, text);
    }

    public PolicyDecision Evaluate(IDictionary<string, object?> input, string inputJson)
    {
        var matched = new List<MatchedRule>();
        var errors = new List<string>();
        foreach ((PolicyRule rule, CelProgramDelegate program) in this.rules)
        {
            PolicyMode mode = rule.Mode ?? this.Mode;
            try
            {
                if (program(input) is true)
                {
                    matched.Add(new MatchedRule(rule.Id, rule.Effect, mode, rule.Reason));
                }
            }
            catch (Exception e)
            {
                errors.Add($"rule '{rule.Id}' failed to evaluate: {e.Message}");
                matched.Add(new MatchedRule(rule.Id, PolicyEffect.Forbid, mode, $"failed to evaluate (fail closed): {e.Message}"));
            }
        }

        (PolicyEffect enforced, string reason) = Combine(matched.Where(m => m.Mode == PolicyMode.Enforce), input);
        (PolicyEffect everything, string fullReason) = Combine(matched, input);
        if (this.Mode == PolicyMode.ReportOnly)
        {
            return new PolicyDecision(everything, PolicyEffect.Permit, this.Version, matched, $"report-only: {fullReason}")
            {
                Inputs = inputJson,
                Errors = errors,
                WouldHave = everything == PolicyEffect.Permit ? null : $"would have {Describe(everything)}",
            };
        }

        return new PolicyDecision(enforced, enforced, this.Version, matched, reason)
        {
            Inputs = inputJson,
            Errors = errors,
            WouldHave = everything == enforced ? null : $"report-only rules would have {Describe(everything)}: {fullReason}",
        };
    }

    /// <summary>Forbid beats require_approval beats permit; nothing matched is a deny.</summary>
    static (PolicyEffect Effect, string Reason) Combine(IEnumerable<MatchedRule> matches, IDictionary<string, object?> input)
    {
        var list = matches.ToList();
        foreach (PolicyEffect effect in new[] { PolicyEffect.Forbid, PolicyEffect.RequireApproval, PolicyEffect.Permit })
        {
            var hits = list.Where(m => m.Effect == effect).ToList();
            if (hits.Count > 0)
            {
                return (effect, string.Join("; ", hits.Select(h => h.Reason is null ? h.Id : $"{h.Id}: {h.Reason}")));
            }
        }

        string tool = input.TryGetValue("action", out object? action) && action is IDictionary<string, object?> a && a.TryGetValue("tool", out object? t) ? $"{t}" : "this call";
        return (PolicyEffect.Forbid, $"no rule permits {tool} (default deny)");
    }

    static string Describe(PolicyEffect effect) => effect switch
    {
        PolicyEffect.Forbid => "forbidden it",
        PolicyEffect.RequireApproval => "required approval",
        _ => "permitted it",
    };
}
