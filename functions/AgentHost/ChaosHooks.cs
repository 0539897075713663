using System.Diagnostics;
using Agents.Core.Contracts;
using Agents.Core.Hosting;
using Agents.Core.Storage;

namespace AgentHost;

public static class ChaosHooks
{
    /// <summary>Decorates the event log with <see cref="ExitingEventLog"/> when <c>Chaos:ExitOnAppend</c> is set; nothing otherwise.</summary>
    public static IServiceCollection AddChaosHooks(this IServiceCollection services, IConfiguration configuration)
    {
        ChaosOptions options = configuration.GetSection(ChaosOptions.Section).Get<ChaosOptions>() ?? new ChaosOptions();
        if (options.ExitOnAppend < 0)
        {
            throw new InvalidOperationException($"Chaos:ExitOnAppend must be 0 (off) or the 1-based append at which to exit; it is {options.ExitOnAppend}.");
        }

        return options.ExitOnAppend == 0 ? services : services.DecorateEventLog((_, inner) => new ExitingEventLog(inner, options));
    }
}

/// <summary>The event log, except that the N-th append of the process's life kills the process before or after it is written.</summary>
public sealed class ExitingEventLog(IEventLog inner, ChaosOptions options) : IEventLog
{
    int appends;

    public async Task<IReadOnlyList<AgentEvent>> AppendAsync(string sessionId, IReadOnlyList<EventDraft> drafts, CancellationToken cancellationToken = default)
    {
        bool last = drafts.Count > 0 && Interlocked.Increment(ref this.appends) == options.ExitOnAppend;
        if (last && options.ExitAt == AppendExitPoint.Before)
        {
            Die(sessionId);
        }

        IReadOnlyList<AgentEvent> appended = await inner.AppendAsync(sessionId, drafts, cancellationToken).ConfigureAwait(false);
        if (last)
        {
            Die(sessionId);
        }

        return appended;
    }

    public Task<IReadOnlyList<AgentEvent>> ReadAsync(string sessionId, CancellationToken cancellationToken = default) => inner.ReadAsync(sessionId, cancellationToken);

    public Task<IReadOnlyList<string>> ReadLinesAsync(string sessionId, CancellationToken cancellationToken = default) => inner.ReadLinesAsync(sessionId, cancellationToken);

    public Uri LocationOf(string sessionId) => inner.LocationOf(sessionId);

    void Die(string sessionId)
    {
        Console.Error.WriteLine($"{ChaosOptions.ExitMarker} {options.ExitOnAppend} ({options.ExitAt.ToString().ToLowerInvariant()}, session {sessionId})");
        Console.Error.Flush();
        using var self = Process.GetCurrentProcess();
        self.Kill();
    }
}
