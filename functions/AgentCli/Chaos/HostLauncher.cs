using System.Collections.Concurrent;
using System.Diagnostics;

namespace AgentCli.Chaos;

/// <summary>
/// The portable host as a child process: settings as environment variables (<c>A:B</c> becomes <c>A__B</c>; names
/// without a colon, such as <c>GIT_CONFIG_GLOBAL</c>, pass as they are), started on <c>urls</c> and returned once it
/// says where it listens and answers <c>/api/health</c>. Killing it is a real process death, not a shutdown. Used by the
/// crash-recovery driver and by the tests' <c>HostProcess</c>.
/// </summary>
public sealed class HostLauncher : IAsyncDisposable
{
    const int OutputLines = 200;
    readonly Process process;
    readonly ConcurrentQueue<string> output;

    HostLauncher(Process process, Uri address, ConcurrentQueue<string> output)
    {
        this.process = process;
        this.Address = address;
        this.output = output;
        this.Pid = process.Id;
    }

    public Uri Address { get; }

    public int Pid { get; }

    public bool HasExited => this.process.HasExited;

    /// <summary>The last lines the host wrote (standard output and error together).</summary>
    public IReadOnlyList<string> Output => [.. this.output];

    public static async Task<HostLauncher> StartAsync(string hostDll, IEnumerable<KeyValuePair<string, string?>> settings, string urls, TimeSpan timeout, CancellationToken ct)
    {
        if (!File.Exists(hostDll))
        {
            throw new FileNotFoundException($"The portable host is not built at {hostDll} (dotnet build functions/AgentHost -c Release).", hostDll);
        }

        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(hostDll);
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(Path.GetDirectoryName(Path.GetFullPath(hostDll))!);
        foreach ((string key, string? value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        // With port 0 the host binds a free port itself and says which: no race between choosing a port and using it.
        start.Environment["Urls"] = urls;
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new ConcurrentQueue<string>();
        var process = Process.Start(start)!;
        void Read(string? line)
        {
            if (line is null)
            {
                return;
            }

            output.Enqueue(line);
            while (output.Count > OutputLines && output.TryDequeue(out _))
            {
            }

            if (line.Contains("Now listening on: http://", StringComparison.Ordinal))
            {
                listening.TrySetResult(new Uri(line[line.IndexOf("http://", StringComparison.Ordinal)..].Trim() + "/"));
            }
        }

        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException(
            $"the host exited with code {process.ExitCode}:\n{string.Join("\n", output.TakeLast(30))}"));

        var host = new HostLauncher(process, await listening.Task.WaitAsync(timeout, ct).ConfigureAwait(false), output);
        using var http = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using HttpResponseMessage health = await http.GetAsync("api/health", ct).ConfigureAwait(false);
                if (health.IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (clock.Elapsed > timeout || process.HasExited)
            {
                await host.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"the host at {host.Address} did not answer /api/health within {timeout.TotalSeconds:0} s:\n{string.Join("\n", output.TakeLast(30))}");
            }

            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// SIGKILL, no shutdown. <paramref name="entireTree"/>: its child processes too (a test's clean-up); otherwise only
    /// the host, as when the machine's OOM killer or a crash takes it, and a job it ran in its own process group lives on.
    /// </summary>
    public async Task KillAsync(bool entireTree)
    {
        if (!this.process.HasExited)
        {
            this.process.Kill(entireTree);
        }

        await this.process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>Waits for the process to end by itself.</summary>
    public Task WaitForExitAsync(CancellationToken ct) => this.process.WaitForExitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await this.KillAsync(entireTree: true).ConfigureAwait(false);
        this.process.Dispose();
    }
}
