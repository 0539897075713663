using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Agents.Testing;

namespace AgentHost.Tests;

/// <summary>
/// The portable host as its own process (the AgentHost.dll built beside the tests), so that stopping it is a real
/// process death, as in production, not an in-process shutdown.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    readonly Process process;

    HostProcess(Process process, Uri address)
    {
        this.process = process;
        this.Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Http { get; }

    public static async Task<HostProcess> StartAsync(IDictionary<string, string?> settings)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "AgentHost.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach ((string key, string? value) in settings)
        {
            start.Environment[key.Replace(":", "__")] = value;
        }

        // The host binds a free port itself and says which: no race between choosing a port and using it.
        start.Environment["Urls"] = "http://127.0.0.1:0";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var process = Process.Start(start)!;
        void Read(string? line)
        {
            if (line is null)
            {
                return;
            }

            output.Enqueue(line);
            if (line.Contains("Now listening on: http://", StringComparison.Ordinal))
            {
                listening.TrySetResult(new Uri(line[(line.IndexOf("http://", StringComparison.Ordinal))..].Trim() + "/"));
            }
        }

        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException(
            $"the host exited with code {process.ExitCode}:\n{string.Join("\n", output.TakeLast(30))}"));

        Uri address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var host = new HostProcess(process, address);
        await Eventually.MatchAsync(
            async () =>
            {
                try
                {
                    return (await host.Http.GetAsync("api/health")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            ok => ok,
            TimeSpan.FromSeconds(60),
            "host health");
        return host;
    }

    /// <summary>Kills the host at once (no graceful shutdown): the hardest kind of restart.</summary>
    public async Task KillAsync()
    {
        if (!this.process.HasExited)
        {
            this.process.Kill(entireProcessTree: true);
            await this.process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await this.KillAsync();
        this.Http.Dispose();
        this.process.Dispose();
    }
}
