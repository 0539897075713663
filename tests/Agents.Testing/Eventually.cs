using System.Diagnostics;

namespace Agents.Testing;

/// <summary>Polls instead of sleeping a fixed time.</summary>
public static class Eventually
{
    public static async Task<T> MatchAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(60);
        var clock = Stopwatch.StartNew();
        T last = await read();
        while (!done(last))
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"{what ?? "condition"} not reached within {limit.TotalSeconds:0} s; last value: {last}");
            }

            await Task.Delay(25);
            last = await read();
        }

        return last;
    }
}
