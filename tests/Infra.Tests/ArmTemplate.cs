using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Infra.Tests;

/// <summary>One resource of a compiled template: its symbolic name (or index) and JSON.</summary>
public sealed record ArmResource(ArmTemplate Template, string Symbol, JsonObject Json)
{
    public string Type => (string)this.Json["type"]!;

    public string Name => (string)this.Json["name"]!;

    public JsonObject Properties => this.Json["properties"] as JsonObject ?? [];

    public bool IsModule => this.Type == "Microsoft.Resources/deployments";

    public override string ToString() => $"{this.Template.Module}/{this.Symbol} ({this.Type})";
}

/// <summary>
/// A compiled ARM template (main.json) and, as children, the templates of its modules (nested deployments), with the
/// values the parent passes to each; <see cref="Resolve"/> follows simple expressions to literals.
/// </summary>
public sealed partial class ArmTemplate
{
    readonly JsonObject? passedParameters;

    ArmTemplate(JsonObject json, string module, ArmTemplate? parent, JsonObject? passedParameters)
    {
        this.Json = json;
        this.Module = module;
        this.Parent = parent;
        this.passedParameters = passedParameters;
    }

    public JsonObject Json { get; }

    /// <summary><c>main</c>, or the module's symbolic name in main.bicep (<c>api</c>, <c>rbac</c>...).</summary>
    public string Module { get; }

    public ArmTemplate? Parent { get; }

    public static ArmTemplate Load(string path)
    {
        JsonObject json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        return new ArmTemplate(json, "main", null, null);
    }

    /// <summary>This template's own resources, modules included (not the modules' resources).</summary>
    public IEnumerable<ArmResource> Resources =>
        this.Json["resources"] switch
        {
            JsonObject bySymbol => bySymbol.Select(p => new ArmResource(this, p.Key, p.Value!.AsObject())),
            JsonArray list => list.Select((r, i) => new ArmResource(this, i.ToString(System.Globalization.CultureInfo.InvariantCulture), r!.AsObject())),
            _ => [],
        };

    public IEnumerable<ArmTemplate> Modules =>
        this.Resources.Where(r => r.IsModule).Select(r => new ArmTemplate(
            r.Properties["template"]!.AsObject(), r.Symbol, this, r.Properties["parameters"] as JsonObject));

    /// <summary>Every resource of this template and of its modules, modules themselves excluded.</summary>
    public IEnumerable<ArmResource> AllResources =>
        this.Resources.Where(r => !r.IsModule).Concat(this.Modules.SelectMany(m => m.AllResources));

    public ArmTemplate ModuleNamed(string name) =>
        this.Modules.SingleOrDefault(m => m.Module == name) ?? throw new InvalidOperationException($"{this.Module} has no module '{name}'");

    public ArmResource Resource(string symbol) =>
        this.Resources.SingleOrDefault(r => r.Symbol == symbol) ?? throw new InvalidOperationException($"{this.Module} has no resource '{symbol}'");

    /// <summary>The value the module's caller passes for a parameter, as written in the caller's template.</summary>
    public JsonNode? PassedParameter(string name) => this.passedParameters?[name]?["value"];

    /// <summary>
    /// A literal, or an expression evaluated to a literal; null when it depends on something only known in Azure. Understands
    /// what a reviewer follows by hand: <c>parameters('x')</c> and <c>variables('y')</c> with <c>.property</c> and <c>[n]</c>
    /// after them (through the values the caller passes and the defaults), string and integer literals, and <c>format()</c>.
    /// </summary>
    public JsonNode? Resolve(JsonNode? value) => this.ResolveIn(value)?.Node;

    public string? ResolveString(JsonNode? value) => this.Resolve(value) is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    /// <summary>The value of one of this template's parameters: what the caller passes, else the default.</summary>
    public JsonNode? ResolveParameter(string name) => this.Resolve(JsonValue.Create($"[parameters('{name}')]"));

    (JsonNode? Node, ArmTemplate Context)? ResolveIn(JsonNode? value)
    {
        if (value is not JsonValue scalar || !scalar.TryGetValue(out string? text) || !text.StartsWith('[') || text.StartsWith("[[", StringComparison.Ordinal))
        {
            return (value, this);
        }

        if (!text.EndsWith(']'))
        {
            return null;
        }

        return this.Evaluate(text[1..^1].Trim());
    }

    (JsonNode? Node, ArmTemplate Context)? Evaluate(string expression)
    {
        if (expression.Length >= 2 && expression[0] == '\'' && expression[^1] == '\'' && SplitArguments(expression).Count == 1)
        {
            return (JsonValue.Create(expression[1..^1].Replace("''", "'", StringComparison.Ordinal)), this);
        }

        if (int.TryParse(expression, System.Globalization.CultureInfo.InvariantCulture, out int number))
        {
            return (JsonValue.Create(number), this);
        }

        if (expression.StartsWith("format(", StringComparison.Ordinal) && expression.EndsWith(')'))
        {
            List<string> arguments = SplitArguments(expression["format(".Length..^1]);
            string?[] values = arguments.Select(a => this.Evaluate(a.Trim()) is { Node: JsonValue v } ? v.ToString() : null).ToArray();
            if (values.Any(v => v is null))
            {
                return null;
            }

            string formatted = string.Format(System.Globalization.CultureInfo.InvariantCulture, values[0]!, values[1..]);
            return (JsonValue.Create(formatted), this);
        }

        Match match = Reference().Match(expression);
        if (!match.Success)
        {
            return null;
        }

        string name = match.Groups["name"].Value;
        (JsonNode? Node, ArmTemplate Context)? resolved;
        if (match.Groups["kind"].Value == "variables")
        {
            resolved = this.ResolveIn(this.Json["variables"]?[name]);
        }
        else if (this.passedParameters?[name] is JsonObject passed)
        {
            resolved = this.Parent!.ResolveIn(passed["value"]);
        }
        else
        {
            resolved = this.ResolveIn(this.Json["parameters"]?[name]?["defaultValue"]);
        }

        foreach (Capture accessor in match.Groups["accessor"].Captures)
        {
            if (resolved is not { Node: { } node } current)
            {
                return null;
            }

            JsonNode? next = accessor.Value.StartsWith('.')
                ? (node as JsonObject)?[accessor.Value[1..]]
                : (node as JsonArray)?[int.Parse(accessor.Value[1..^1], System.Globalization.CultureInfo.InvariantCulture)];
            resolved = current.Context.ResolveIn(next);
        }

        return resolved;
    }

    /// <summary>Splits <c>a, f(b, c), 'd, e'</c> at its top-level commas.</summary>
    static List<string> SplitArguments(string text)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\'')
            {
                quoted = !quoted; // '' inside a literal toggles twice
            }
            else if (!quoted && c is '(' or '[')
            {
                depth++;
            }
            else if (!quoted && c is ')' or ']')
            {
                depth--;
            }
            else if (!quoted && depth == 0 && c == ',')
            {
                parts.Add(text[start..i]);
                start = i + 1;
            }
        }

        parts.Add(text[start..]);
        return parts;
    }

    public override string ToString() => this.Module;

    public string ToJsonString() => this.Json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    [GeneratedRegex(@"^(?<kind>parameters|variables)\('(?<name>[^']+)'\)(?<accessor>\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$")]
    private static partial Regex Reference();
}
