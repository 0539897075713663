using Microsoft.Extensions.Logging;

namespace Agents.Core.Redaction;

/// <summary>
/// Wraps the host's logger factory so that every provider (console, OpenTelemetry, the Functions host, a test's
/// capture) receives the formatted message, the structured state values and the exception text already redacted.
/// </summary>
public sealed class RedactingLoggerFactory(ILoggerFactory inner, Redactor redactor) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName), redactor);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    sealed class RedactingLogger(ILogger inner, Redactor redactor) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            string message = redactor.Redact(formatter(state, exception));
            var values = new List<KeyValuePair<string, object?>>();
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach ((string key, object? value) in pairs)
                {
                    values.Add(new(key, key == "{OriginalFormat}" ? value : Redacted(value)));
                }
            }

            Exception? redactedException = exception is null ? null : new RedactedException(exception.GetType().FullName ?? "Exception", redactor.Redact(exception.ToString()));
            inner.Log(logLevel, eventId, new RedactedState(values, message), redactedException, static (s, _) => s.Message);
        }

        object? Redacted(object? value) => value switch
        {
            null => null,
            string text => redactor.Redact(text),
            bool or byte or short or int or long or float or double or decimal or DateTime or DateTimeOffset or TimeSpan or Guid or Enum => value,
            _ => redactor.Redact(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)),
        };
    }

    sealed class RedactedState(IReadOnlyList<KeyValuePair<string, object?>> values, string message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message => message;

        public int Count => values.Count;

        public KeyValuePair<string, object?> this[int index] => values[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => this.GetEnumerator();

        public override string ToString() => message;
    }
}

/// <summary>Stands in for a logged exception: its type name and its full text (message and stack), redacted.</summary>
public sealed class RedactedException(string originalType, string redactedText) : Exception(redactedText)
{
    public string OriginalType { get; } = originalType;

    public override string ToString() => this.Message;
}
