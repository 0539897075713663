using System.ClientModel;
using System.Globalization;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Agents.Core.Models;

public enum RefusalKind
{
    /// <summary>The call would cross the turn's or the session's token cap.</summary>
    BudgetExceeded,

    /// <summary>No candidate of the tier is cleared for the data's sensitivity (or can hold the prompt).</summary>
    NoEligibleProvider,
}

/// <summary>A model call that failed with a reason worth telling the user; the step or turn fails with this message.</summary>
public abstract class ModelCallException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>What earlier attempts of the same call spent before it failed (null when nothing was spent).</summary>
    public Contracts.ModelCallInfo? Spent { get; init; }

    /// <summary>The router's events up to the failure, for the caller to log.</summary>
    public IReadOnlyList<Contracts.EventDraft> Events { get; set; } = [];
}

/// <summary>Refused before anything was sent: no money spent, no data left the process.</summary>
public sealed class ModelCallRefusedException(RefusalKind kind, string message) : ModelCallException(message)
{
    public RefusalKind Kind { get; } = kind;
}

/// <summary>Every candidate failed (errors, timeouts or open circuits).</summary>
public sealed class ModelUnavailableException(string message, Exception? inner) : ModelCallException(message, inner);

/// <summary>The answer stayed malformed or schema-invalid after every repair; nothing invalid is passed on.</summary>
public sealed class ModelOutputInvalidException(string message) : ModelCallException(message);

public enum FailureKind
{
    RateLimited,
    ServerError,
    Timeout,
    Network,
    CircuitOpen,
    Fatal,
}

/// <summary>Sorts provider failures into what retries, what moves to the next candidate, and what stops.</summary>
public static class ModelFailures
{
    public static FailureKind Classify(Exception e) => e switch
    {
        ClientResultException { Status: 429 } => FailureKind.RateLimited,
        ClientResultException { Status: >= 500 or 408 } => FailureKind.ServerError,
        ClientResultException { Status: 0 } => FailureKind.Network,
        HttpRequestException => FailureKind.Network,
        TimeoutRejectedException => FailureKind.Timeout,
        BrokenCircuitException => FailureKind.CircuitOpen,
        _ => FailureKind.Fatal,
    };

    /// <summary>Worth another attempt on the same candidate (an open circuit is not: it fails fast until it half-opens).</summary>
    public static bool IsRetryable(Exception e) => Classify(e) is FailureKind.RateLimited or FailureKind.ServerError or FailureKind.Timeout or FailureKind.Network;

    /// <summary>Worth trying the next candidate.</summary>
    public static bool IsFailover(Exception e) => Classify(e) != FailureKind.Fatal;

    /// <summary>The Retry-After a provider sent with a 429 or 503 (seconds or an HTTP date), if any.</summary>
    public static TimeSpan? RetryAfter(Exception e)
    {
        if (e is not ClientResultException result || result.GetRawResponse() is not { } response
            || !response.Headers.TryGetValue("Retry-After", out string? value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            return TimeSpan.FromSeconds(Math.Max(0, seconds));
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at)
            ? at - DateTimeOffset.UtcNow
            : null;
    }

    public static string Describe(Exception e) => e switch
    {
        ClientResultException c => $"HTTP {c.Status}{(RetryAfter(e) is { } ra ? $" (Retry-After {ra.TotalSeconds:0.#} s)" : string.Empty)}",
        TimeoutRejectedException => "timed out",
        BrokenCircuitException => "circuit open",
        HttpRequestException h => $"network error: {h.Message}",
        _ => e.Message,
    };
}
