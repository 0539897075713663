using System.Threading.Channels;

namespace Agents.Core.Tools;

/// <summary>A batch of a running job's output: the <see cref="Number"/>th (from 1), and whether the job's progress was cut here.</summary>
public sealed record ProgressChunk(int Number, IReadOnlyList<string> Lines, bool Cut);

/// <summary>Where a running job's output goes while it runs (the step's event log). Must not throw for a failed write.</summary>
public interface IStepProgress
{
    Task ReportAsync(ProgressChunk chunk, CancellationToken cancellationToken);
}

/// <summary>The limits of a job's progress: a batch every <see cref="Lines"/> lines or <see cref="Interval"/>, at most <see cref="MaxChars"/> in all.</summary>
public sealed record ProgressLimits(int Lines, TimeSpan Interval, int MaxChars)
{
    public static ProgressLimits From(WorkspaceOptions options) =>
        new(options.ProgressLines, TimeSpan.FromMilliseconds(options.ProgressIntervalMilliseconds), options.MaxProgressChars);
}

/// <summary>
/// Batches a job's output lines into <see cref="ProgressChunk"/>s: a batch goes out when it has
/// <see cref="ProgressLimits.Lines"/> lines or when its first line has waited <see cref="ProgressLimits.Interval"/>.
/// The process's reader threads only enqueue (<see cref="Add"/>); one pump writes, so a slow log never stalls the job.
/// Once <see cref="ProgressLimits.MaxChars"/> characters went out, the last chunk is marked cut and the rest is not sent.
/// </summary>
public sealed class JobProgress : IAsyncDisposable
{
    readonly IStepProgress sink;
    readonly ProgressLimits limits;
    readonly Channel<string> lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    readonly Task pump;
    int sentChars;
    int chunks;
    bool cut;

    public JobProgress(IStepProgress sink, ProgressLimits limits)
    {
        this.sink = sink;
        this.limits = limits;
        this.pump = Task.Run(this.PumpAsync);
    }

    /// <summary>Called from the process's output readers.</summary>
    public void Add(string line) => this.lines.Writer.TryWrite(line);

    /// <summary>Sends what is still buffered and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        this.lines.Writer.TryComplete();
        await this.pump.ConfigureAwait(false);
    }

    async Task PumpAsync()
    {
        ChannelReader<string> reader = this.lines.Reader;
        var batch = new List<string>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            using (var due = new CancellationTokenSource(this.limits.Interval))
            {
                while (batch.Count < this.limits.Lines)
                {
                    if (reader.TryRead(out string? line))
                    {
                        batch.Add(line);
                        continue;
                    }

                    try
                    {
                        if (!await reader.WaitToReadAsync(due.Token).ConfigureAwait(false))
                        {
                            break;
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }

            await this.SendAsync(batch).ConfigureAwait(false);
            batch.Clear();
        }
    }

    async Task SendAsync(List<string> batch)
    {
        if (batch.Count == 0 || this.cut)
        {
            return;
        }

        var kept = new List<string>(batch.Count);
        foreach (string line in batch)
        {
            int room = this.limits.MaxChars - this.sentChars;
            if (line.Length + 1 > room)
            {
                if (room > 1)
                {
                    kept.Add(line[..(room - 1)]);
                }

                this.sentChars = this.limits.MaxChars;
                this.cut = true;
                break;
            }

            kept.Add(line);
            this.sentChars += line.Length + 1;
        }

        this.chunks++;
        await this.sink.ReportAsync(new ProgressChunk(this.chunks, kept, this.cut), CancellationToken.None).ConfigureAwait(false);
    }
}
