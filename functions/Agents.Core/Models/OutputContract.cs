using System.Text.Json;
using Json.Schema;

namespace Agents.Core.Models;

/// <summary>
/// What a structured answer must be: a JSON Schema (sent to providers that support structured output, and checked on
/// every answer) plus optional checks the schema cannot express (known tools, an acyclic graph...).
/// </summary>
public sealed class OutputContract
{
    public OutputContract(string name, string schemaJson, Func<JsonElement, string?>? check = null)
    {
        this.Name = name;
        this.SchemaElement = JsonDocument.Parse(schemaJson).RootElement.Clone();
        this.Schema = JsonSchema.FromText(schemaJson);
        this.Check = check;
    }

    public string Name { get; }

    public JsonSchema Schema { get; }

    public JsonElement SchemaElement { get; }

    public Func<JsonElement, string?>? Check { get; }

    public OutputContract With(Func<JsonElement, string?> check) => new(this.Name, this.SchemaElement.GetRawText(), check);

    /// <summary>Null when the answer satisfies the contract; otherwise what is wrong, short enough to send back to the model.</summary>
    public string? Validate(string text, out JsonElement value)
    {
        value = default;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(StripFences(text));
        }
        catch (JsonException e)
        {
            return $"the answer is not valid JSON ({e.Message.Split(" Path:")[0]})";
        }

        using (document)
        {
            value = document.RootElement.Clone();
        }

        string? schemaErrors = SchemaErrors(this.Schema, value);
        return schemaErrors ?? this.Check?.Invoke(value);
    }

    public static string? SchemaErrors(JsonSchema schema, JsonElement value)
    {
        EvaluationResults results = schema.Evaluate(value, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return null;
        }

        var errors = (results.Details ?? [])
            .Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{(d.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {e.Value}"))
            .Distinct()
            .Take(8)
            .ToList();
        return errors.Count == 0 ? "the answer does not match the schema" : "schema: " + string.Join("; ", errors);
    }

    public static string StripFences(string text)
    {
        string trimmed = text.Trim();
        if (trimmed.StartsWith("```", StringComparison.Ordinal))
        {
            int firstNewline = trimmed.IndexOf('\n');
            int lastFence = trimmed.LastIndexOf("```", StringComparison.Ordinal);
            if (firstNewline > 0 && lastFence > firstNewline)
            {
                return trimmed[(firstNewline + 1)..lastFence];
            }
        }

        return trimmed;
    }
}

/// <summary>The schemas of the pipeline's structured outputs.</summary>
public static class OutputSchemas
{
    public static readonly OutputContract Plan = new("plan", """
        {
          "type": "object",
          "properties": {
            "goal": { "type": "string", "minLength": 1, "maxLength": 500 },
            "rationale": { "type": "string", "maxLength": 2000 },
            "steps": {
              "type": "array", "minItems": 1, "maxItems": 20,
              "items": {
                "type": "object",
                "properties": {
                  "id": { "type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,39}$" },
                  "tool": { "type": "string", "minLength": 1 },
                  "args": { "type": "object" },
                  "depends_on": { "type": "array", "items": { "type": "string" } },
                  "why": { "type": "string", "maxLength": 500 },
                  "requires_approval": { "type": "boolean" }
                },
                "required": ["id", "tool"],
                "additionalProperties": false
              }
            }
          },
          "required": ["goal", "steps"],
          "additionalProperties": false
        }
        """);

    public static readonly OutputContract Summary = new("summary", """
        {
          "type": "object",
          "properties": { "summary": { "type": "string", "minLength": 1, "maxLength": 2000 } },
          "required": ["summary"],
          "additionalProperties": false
        }
        """);
}
