using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Core.Redaction;
using Agents.Core.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Edge;

/// <summary>
/// API answers leave through here: every string value of the JSON, every event line and every served payload is
/// redacted with the platform's one redactor, resolved from the request's services when the result is written.
/// </summary>
internal static class RedactedResults
{
    public static Redactor RedactorOf(HttpContext context) => context.RequestServices.GetService<Redactor>() ?? Redactor.Default;

    public sealed class Json(object? value, Type type, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            JsonNode? node = JsonRedaction.Redact(JsonSerializer.SerializeToNode(value, type, JsonDefaults.Web), RedactorOf(httpContext));
            return Results.Json(node, JsonDefaults.Web, statusCode: status).ExecuteAsync(httpContext);
        }
    }

    public sealed class Problem(int status, string title, string detail, IReadOnlyDictionary<string, string[]>? errors) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            Redactor redactor = RedactorOf(httpContext);
            var extensions = new Dictionary<string, object?>();
            if (errors is not null)
            {
                extensions["errors"] = errors.ToDictionary(e => e.Key, e => e.Value.Select(redactor.Redact).ToArray());
            }

            return Results.Problem(detail: redactor.Redact(detail), statusCode: status, title: redactor.Redact(title), extensions: extensions).ExecuteAsync(httpContext);
        }
    }

    /// <summary>JSON lines, each redacted (unchanged when already clean, so the hash chain still verifies).</summary>
    public sealed class Lines(IEnumerable<string> lines, string contentType) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            Redactor redactor = RedactorOf(httpContext);
            string body = string.Concat(lines.Select(l => JsonRedaction.RedactText(l, redactor) + "\n"));
            return Results.Text(body, contentType).ExecuteAsync(httpContext);
        }
    }

    /// <summary>
    /// A stored payload as text, redacted (JSON value by value). Images (the browser's screenshots) are served as stored:
    /// read as UTF-8 text they would be corrupted, and there is no text in them to redact.
    /// </summary>
    public sealed class Payload(byte[] content, string contentType) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (contentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
            {
                return Results.Bytes(content, contentType).ExecuteAsync(httpContext);
            }

            Redactor redactor = RedactorOf(httpContext);
            string text = Encoding.UTF8.GetString(content);
            string redacted = contentType.Contains("json", StringComparison.OrdinalIgnoreCase) ? RedactJsonOrText(text, redactor) : redactor.Redact(text);
            return Results.Bytes(Encoding.UTF8.GetBytes(redacted), contentType).ExecuteAsync(httpContext);
        }

        static string RedactJsonOrText(string text, Redactor redactor)
        {
            try
            {
                return JsonRedaction.RedactText(text, redactor);
            }
            catch (JsonException)
            {
                return redactor.Redact(text);
            }
        }
    }
}
