using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Infra.Tests;

/// <summary>Small helpers over the compiled template's JSON.</summary>
public static partial class TemplateJson
{
    /// <summary>Every string value in a JSON tree, with its path.</summary>
    public static IEnumerable<(string Path, string Value)> Strings(JsonNode? node, string path = "$")
    {
        switch (node)
        {
            case JsonObject obj:
                foreach ((string key, JsonNode? child) in obj)
                {
                    foreach ((string Path, string Value) s in Strings(child, $"{path}.{key}"))
                    {
                        yield return s;
                    }
                }

                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    foreach ((string Path, string Value) s in Strings(array[i], $"{path}[{i}]"))
                    {
                        yield return s;
                    }
                }

                break;
            case JsonValue value when value.TryGetValue(out string? text):
                yield return (path, text);
                break;
        }
    }

    /// <summary>The text of an expression without its brackets: <c>[x]</c> → <c>x</c>.</summary>
    public static string Inner(string expression) =>
        expression.StartsWith('[') && expression.EndsWith(']') ? expression[1..^1] : expression;

    /// <summary>ARM's list* functions (listKeys, listSecrets, listConnectionStrings...) read keys and secrets.</summary>
    public static bool CallsAListFunction(string value) =>
        value.StartsWith('[') && ListFunction().IsMatch(value);

    [GeneratedRegex(@"(?<![A-Za-z0-9_])list[A-Za-z]*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListFunction();
}
