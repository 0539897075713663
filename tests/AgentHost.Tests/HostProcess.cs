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
        int port = FreePort();
        string dll = Path.Combine(AppContext.BaseDirectory, "AgentHost.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach ((string key, string? value) in settings)
        {
            start.Environment[key.Replace(":", "__")] = value;
        }

        start.Environment["Urls"] = $"http://127.0.0.1:{port}";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new HostProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        await Eventually.MatchAsync(
            async () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"the host exited with code {process.ExitCode}");
                }

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

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
