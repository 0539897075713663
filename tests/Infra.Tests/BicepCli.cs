using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Infra.Tests;

/// <summary>What one run of the Bicep CLI printed.</summary>
public sealed partial record BicepRun(string Command, int ExitCode, string Output)
{
    /// <summary>Diagnostic lines: <c>path(line,col) : Error|Warning|Info code: message</c>.</summary>
    public IReadOnlyList<string> Diagnostics => DiagnosticLine().Matches(this.Output).Select(m => m.Value.TrimEnd()).ToArray();

    public override string ToString() => $"`bicep {this.Command}` exited {this.ExitCode}:\n{this.Output}";

    [GeneratedRegex(@"^.+\(\d+,\d+\) : (Error|Warning|Info) [^:]+: .*$", RegexOptions.Multiline)]
    private static partial Regex DiagnosticLine();
}

/// <summary>
/// The Bicep CLI that this project's restore downloaded (Azure.Bicep.CommandLine.linux-x64, see infra/tools/bicep/Bicep.props),
/// or the binary named by BICEP_PATH.
/// </summary>
public static class BicepCli
{
    static readonly Lazy<string> Located = new(Locate);

    public static string Path => Located.Value;

    public static async Task<BicepRun> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Path}");
        var output = new StringBuilder();
        var lines = new object();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (lines) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (lines) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in 3 minutes");
        }

        process.WaitForExit(); // flushes the redirected output
        lock (lines)
        {
            return new BicepRun(string.Join(' ', arguments), process.ExitCode, output.ToString());
        }
    }

    static string Locate()
    {
        string? path = Environment.GetEnvironmentVariable("BICEP_PATH");
        if (string.IsNullOrWhiteSpace(path))
        {
            path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .SingleOrDefault(a => a.Key == "BicepCliPath")?.Value;
        }

        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The Bicep CLI is not at '{path}'. `dotnet restore tests/Infra.Tests` downloads it (linux-x64 only); elsewhere set BICEP_PATH to an installed bicep.");
        }

        if (!OperatingSystem.IsWindows() && !File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
        }

        return path;
    }
}
