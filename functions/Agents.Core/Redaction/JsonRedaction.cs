using System.Text.Json.Nodes;

namespace Agents.Core.Redaction;

/// <summary>Redacts every string value of a JSON document in place (property names, numbers and booleans stay).</summary>
public static class JsonRedaction
{
    /// <summary>Redacts a JSON text; returns it unchanged (byte for byte) when no string value needed redacting.</summary>
    public static string RedactText(string json, Redactor redactor)
    {
        JsonNode? node = JsonNode.Parse(json);
        string before = node?.ToJsonString() ?? "null";
        string after = Redact(node, redactor)?.ToJsonString() ?? "null";
        return string.Equals(before, after, StringComparison.Ordinal) ? json : after;
    }

    public static JsonNode? Redact(JsonNode? node, Redactor redactor)
    {
        if (node is JsonValue value)
        {
            return Replacement(value, redactor) ?? value;
        }

        RedactChildren(node, redactor);
        return node;
    }

    static void RedactChildren(JsonNode? node, Redactor redactor)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (KeyValuePair<string, JsonNode?> property in obj.ToList())
                {
                    if (property.Value is JsonValue child)
                    {
                        if (Replacement(child, redactor) is { } redacted)
                        {
                            obj[property.Key] = redacted;
                        }
                    }
                    else
                    {
                        RedactChildren(property.Value, redactor);
                    }
                }

                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue child)
                    {
                        if (Replacement(child, redactor) is { } redacted)
                        {
                            array[i] = redacted;
                        }
                    }
                    else
                    {
                        RedactChildren(array[i], redactor);
                    }
                }

                break;
        }
    }

    static JsonValue? Replacement(JsonValue value, Redactor redactor)
    {
        if (!value.TryGetValue(out string? text))
        {
            return null;
        }

        string redacted = redactor.Redact(text);
        return string.Equals(redacted, text, StringComparison.Ordinal) ? null : JsonValue.Create(redacted);
    }
}
