using System.Diagnostics;
using Agents.Core.Hosting;
using Xunit.Abstractions;

namespace Agents.Core.Tests.Sandbox;

/// <summary>The committed tool modules are what their source builds to (when the toolchain they were built with is installed).</summary>
public sealed class ToolModuleBuildTests(ITestOutputHelper output)
{
    const int ToolchainUnavailable = 3;

    [SkippableFact]
    public async Task CommittedModules_FreshBuildFromSource_Identical()
    {
        // Arrange
        string script = Path.Combine(RepositoryPaths.Root, "functions", "tools", "build.sh");
        var start = new ProcessStartInfo("bash", [script, "--check"]) { RedirectStandardOutput = true, RedirectStandardError = true };

        // Act
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        output.WriteLine(await stdout);
        output.WriteLine(await stderr);

        // Assert
        Skip.If(process.ExitCode == ToolchainUnavailable, $"not verified: {(await stderr).Trim()}");
        Assert.True(process.ExitCode == 0, $"functions/tools/build.sh --check exited {process.ExitCode}:\n{await stdout}{await stderr}");
    }

    [Fact]
    public void EmbeddedModules_AgentsCoreAssembly_SameBytesAsCommittedFiles()
    {
        // Arrange
        string modules = Path.Combine(RepositoryPaths.Root, "functions", "tools", "modules");
        var assembly = typeof(Agents.Core.Sandbox.WasmSandbox).Assembly;

        foreach (string tool in new[] { "list_files", "read_file", "search_code" })
        {
            // Act
            using Stream embedded = assembly.GetManifestResourceStream($"tools/{tool}.wasm")!;
            using var bytes = new MemoryStream();
            embedded.CopyTo(bytes);

            // Assert
            Assert.Equal(File.ReadAllBytes(Path.Combine(modules, tool + ".wasm")), bytes.ToArray());
        }
    }
}
