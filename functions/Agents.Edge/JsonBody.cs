using System.Text.Json;
using System.Text.Json.Serialization;
using Agents.Core.Storage;
using Microsoft.AspNetCore.Http;

namespace Agents.Edge;

/// <summary>Reads a JSON request body with a size limit, refusing unknown fields, so mistakes get a message that says what to fix.</summary>
public static class JsonBody
{
    static readonly JsonSerializerOptions Strict = new(JsonDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, int maxBytes)
        where T : class
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(request.ContentLength.Value, maxBytes));
        }

        string? mediaType = request.ContentType?.Split(';')[0].Trim();
        if (mediaType is not null && !mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            && !mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, EdgeResults.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send the body as JSON with 'Content-Type: application/json' (got '{mediaType}')."));
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                return (null, TooLarge(buffer.Length, maxBytes));
            }
        }

        if (buffer.Length == 0)
        {
            return (null, EdgeResults.Problem(StatusCodes.Status400BadRequest, "The request has no body", "Send a JSON object in the request body."));
        }

        try
        {
            T? value = JsonSerializer.Deserialize<T>(buffer.ToArray(), Strict);
            return value is null
                ? (null, EdgeResults.Problem(StatusCodes.Status400BadRequest, "The body is not a JSON object", "Send a JSON object in the request body."))
                : (value, null);
        }
        catch (JsonException e)
        {
            string where = e.Path is null ? string.Empty : $" at {e.Path}";
            return (null, EdgeResults.Problem(StatusCodes.Status400BadRequest, "The body is not valid JSON for this request",
                $"Could not read the body{where}: {e.Message.Split(" Path:")[0]}"));
        }
    }

    static IResult TooLarge(long bytes, int maxBytes) =>
        EdgeResults.Problem(StatusCodes.Status413PayloadTooLarge, "The request is too large",
            $"The body is at least {bytes} bytes; the limit is {maxBytes}. Split the input into smaller turns or reference repository files instead of pasting them.");
}
