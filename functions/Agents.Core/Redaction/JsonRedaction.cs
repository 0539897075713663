using System.Text.Json.Nodes;

namespace Agents.Core.Redaction;

/// <summary>Redacts every string value of a JSON document in place (property names, numbers and booleans stay).</summary>
public static class JsonRedaction
{
    /// <summary>
    /// Values the platform itself generates (ids, hashes, paging cursors, links): they carry no user data, and a digit
    /// run in one can look like a card or a phone number, which would break the id or the link.
    /// </summary>
    static readonly HashSet<string> PlatformValues = new(StringComparer.Ordinal)
    {
        "next", "self", "links", "sessionId", "instanceId", "approvalId", "sha256", "hash", "prevHash", "binding", "headHash",
        "replay_session", "original_session", "session", "eventLog",
    };

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
                    if (PlatformValues.Contains(property.Key))
                    {
                        continue;
                    }

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
