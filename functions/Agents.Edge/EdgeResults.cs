using Agents.Core.Sessions;
using Agents.Core.Storage;
using Microsoft.AspNetCore.Http;

namespace Agents.Edge;

/// <summary>JSON and problem+json results with the platform's serializer settings.</summary>
public static class EdgeResults
{
    public static IResult Json<T>(T value, int status = StatusCodes.Status200OK, string? location = null)
    {
        IResult json = new RedactedResults.Json(value, typeof(T), status);
        return location is null ? json : json.WithHeader("Location", location);
    }

    public static IResult From<T>(ApiResult<T> result, Func<T, IResult> success) =>
        result.Error is { } error ? Problem(error) : success(result.Value!);

    public static IResult Problem(ApiError error)
    {
        IResult problem = Problem(StatusOf(error.Kind), error.Title, error.Detail, error.Errors);
        return error.RetryAfterSeconds is int seconds ? problem.WithHeader("Retry-After", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)) : problem;
    }

    public static IResult Problem(int status, string title, string detail, IReadOnlyDictionary<string, string[]>? errors = null)
    {
        return new RedactedResults.Problem(status, title, detail, errors);
    }

    public static int StatusOf(ApiErrorKind kind) => kind switch
    {
        ApiErrorKind.BadRequest => StatusCodes.Status400BadRequest,
        ApiErrorKind.NotFound => StatusCodes.Status404NotFound,
        ApiErrorKind.Conflict => StatusCodes.Status409Conflict,
        ApiErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        ApiErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        ApiErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The same result with one more response header.</summary>
    public static IResult WithHeader(this IResult result, string name, string value) => new HeaderResult(result, name, value);

    sealed class HeaderResult(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
