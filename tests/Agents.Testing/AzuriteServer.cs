using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Agents.Core.Hosting;

namespace Agents.Testing;

/// <summary>
/// A private Azurite (Blob, Queue, Table) on free loopback ports with its own data folder, started for a test run
/// and killed afterwards. Installed by scripts/test.sh (npm); a clear error says so when it is missing.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    readonly Process process;
    readonly string location;

    AzuriteServer(Process process, string location, int blob, int queue, int table)
    {
        this.process = process;
        this.location = location;
        this.ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
    }

    public string ConnectionString { get; }

    public static string Executable =>
        Environment.GetEnvironmentVariable("AZURITE_BIN") is { Length: > 0 } custom
            ? custom
            : Path.Combine(RepositoryPaths.Root, "scripts", "azurite", "node_modules", ".bin", "azurite");

    public static async Task<AzuriteServer> StartAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"Azurite is not installed at {Executable}. Run scripts/test.sh, which installs it with npm (or set AZURITE_BIN).");
        }

        // A free port can be taken by another fixture between choosing it and Azurite binding it: then Azurite exits
        // at once, and new ports are tried.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnFreePortsAsync();
            }
            catch (AzuriteExitedException) when (attempt < 3)
            {
            }
        }
    }

    sealed class AzuriteExitedException(string message) : InvalidOperationException(message);

    static async Task<AzuriteServer> StartOnFreePortsAsync()
    {

        string location = Directory.CreateTempSubdirectory("azurite-test-").FullName;
        int blob = FreePort(), queue = FreePort(), table = FreePort();
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
        {
            "--silent", "--skipApiVersionCheck", "--loose", "--location", location,
            "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(), "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", table.ToString(),
        })
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new AzuriteServer(process, location, blob, queue, table);
        var deadline = Stopwatch.StartNew();
        foreach (int port in new[] { blob, queue, table })
        {
            while (!await AcceptsAsync(port))
            {
                // Generous: on a shared, overloaded machine node can take well over a minute to start listening.
                if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(180))
                {
                    string why = process.HasExited ? $"it exited with code {process.ExitCode}" : $"nothing listened after {deadline.Elapsed.TotalSeconds:0} s";
                    bool exited = process.HasExited;
                    await server.DisposeAsync();
                    string message = $"Azurite did not start on port {port}: {why}.";
                    throw exited ? new AzuriteExitedException(message) : new InvalidOperationException(message);
                }

                await Task.Delay(100);
            }
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!this.process.HasExited)
            {
                this.process.Kill(entireProcessTree: true);
                await this.process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        this.process.Dispose();
        try
        {
            Directory.Delete(this.location, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
