using Agents.Core.Contracts;
using Agents.Core.Policy;
using Agents.Core.Tools;

namespace Agents.Core.LongTermMemory;

/// <summary>
/// What a session's memory may hold and show: files the policy lets the session read (<see cref="ReadGuard"/>: one
/// definition of secret, the policy's) that carry no data tag (<c>.agent/data-tags.json</c>). Retrieved text reaches a
/// model without a human decision, so data that needs an approval to read (PII) is never indexed or returned.
/// </summary>
public sealed class MemoryAccess(ReadGuard guard, RepositoryWorkspace workspace)
{
    /// <summary>A filter for one session, caching each path's answer (the policy is evaluated once per path).</summary>
    public Func<string, bool> For(SessionMetadata session)
    {
        var decided = new Dictionary<string, bool>(StringComparer.Ordinal);
        return path =>
        {
            lock (decided)
            {
                if (!decided.TryGetValue(path, out bool ok))
                {
                    decided[path] = ok = guard.MayRead(session, path) && workspace.TagsFor(session.Repository, [path]).Count == 0;
                }

                return ok;
            }
        };
    }
}
