using Agents.Core.Sandbox;
using Agents.Core.Tools;

namespace Agents.Core.Tests.Sandbox;

/// <summary>
/// Reading outside the preopened repository and reaching the network. The real tool modules refuse '..' and symbolic
/// links themselves; the hostile modules skip those checks and call WASI directly, so they show the sandbox's own wall.
/// After each attempt a normal call through the same sandbox must still succeed.
/// </summary>
public sealed class SandboxEscapeTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Theory]
    [InlineData("../../secret.txt")]
    [InlineData("inventory/../../../secret.txt")]
    [InlineData("..\\..\\secret.txt")]
    public async Task ReadFile_PathWithDotDot_RefusedAndSandboxKeepsServing(string path)
    {
        // Arrange
        string arguments = $$"""{"path":{{System.Text.Json.JsonSerializer.Serialize(path)}}}""";

        // Act
        var refused = await Assert.ThrowsAsync<ToolArgumentException>(() => fixture.RunAsync(fixture.ReadFile, arguments));

        // Assert
        Assert.Equal($"path '{path}' must be relative to the repository and must not contain '..'", refused.Message);
        Assert.DoesNotContain(fixture.Secret, refused.Message, StringComparison.Ordinal);
        await fixture.AssertStillServesAsync();
    }

    [Theory]
    [InlineData("leak.txt")]
    [InlineData("abs-leak.txt")]
    [InlineData("leakdir/secret.txt")]
    public async Task ReadFile_SymlinkPlantedInRepositoryPointingOutside_RefusedAndSandboxKeepsServing(string path)
    {
        // Arrange
        string arguments = $$"""{"path":"{{path}}"}""";

        // Act
        var refused = await Assert.ThrowsAsync<ToolArgumentException>(() => fixture.RunAsync(fixture.ReadFile, arguments));

        // Assert
        Assert.Equal($"path '{path}' goes through a symbolic link, which tools may not follow", refused.Message);
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public async Task ListAndSearch_RepositoryWithPlantedSymlinks_NeitherListsNorReadsThroughThem()
    {
        // Arrange
        string query = $$"""{"query":"{{fixture.Secret}}"}""";

        // Act
        ToolOutput listed = await fixture.RunAsync(fixture.ListFiles, "{}");
        ToolOutput searched = await fixture.RunAsync(fixture.SearchCode, query);

        // Assert
        Assert.True(listed.Succeeded, listed.Error);
        Assert.DoesNotContain("leak", listed.Content, StringComparison.Ordinal);
        Assert.Contains("inventory/pagination.py", listed.Content.Split('\n'));
        Assert.True(searched.Succeeded, searched.Error);
        Assert.Equal("", searched.Content);
        Assert.Equal($"0 match(es) for \"{fixture.Secret}\"", searched.Preview);
        await fixture.AssertStillServesAsync();
    }

    [Theory]
    [InlineData("dot-dot", "../../secret.txt", HostileModules.LookupFollowSymlinks)]
    [InlineData("dot-dot-inside", "inventory/../../../secret.txt", 0)]
    [InlineData("symlink-followed", "leak.txt", HostileModules.LookupFollowSymlinks)]
    [InlineData("absolute-symlink-followed", "abs-leak.txt", HostileModules.LookupFollowSymlinks)]
    [InlineData("symlinked-folder", "leakdir/secret.txt", 0)]
    public async Task RawPathOpen_OutsideThePreopen_FailsInsideTheSandbox(string name, string path, int lookupFlags)
    {
        // Arrange
        WasmModuleSource module = HostileModules.OpenAndPrint("escape-" + name, path, lookupFlags);

        // Act
        SandboxResult result = fixture.RunHostile(module);

        // Assert
        Assert.Equal(SandboxOutcome.NonZeroExit, result.Outcome);
        Assert.InRange(result.ExitCode!.Value, 1, HostileModules.ReadFailed - 1);
        Assert.DoesNotContain(fixture.Secret, result.StdoutText, StringComparison.Ordinal);
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public async Task RawPathOpen_AbsoluteHostPath_FailsInsideTheSandbox()
    {
        // Arrange
        WasmModuleSource module = HostileModules.OpenAndPrint("escape-absolute", fixture.SecretPath);

        // Act
        SandboxResult result = fixture.RunHostile(module);

        // Assert
        Assert.Equal(SandboxOutcome.NonZeroExit, result.Outcome);
        Assert.DoesNotContain(fixture.Secret, result.StdoutText, StringComparison.Ordinal);
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public void RawPathOpen_FileInsideThePreopen_IsReadable()
    {
        // Arrange: the same module shape as the escape attempts, on a file it may read, so those failures mean something
        WasmModuleSource module = HostileModules.OpenAndPrint("inside-readme", "README.md");

        // Act
        SandboxResult result = fixture.RunHostile(module);

        // Assert
        Assert.Equal(SandboxOutcome.Succeeded, result.Outcome);
        string readme = File.ReadAllText(Path.Combine(fixture.RepositoryPath, "README.md"));
        Assert.Equal(readme[..Math.Min(readme.Length, 4096)], result.StdoutText);
    }

    [Fact]
    public async Task RawPathOpen_CreateInReadOnlyPreopen_FailsAndCreatesNothing()
    {
        // Arrange
        WasmModuleSource module = HostileModules.OpenAndPrint(
            "write-attempt", "planted.txt", openFlags: HostileModules.OpenCreate, rights: HostileModules.RightFdRead | HostileModules.RightFdWrite);

        // Act
        SandboxResult result = fixture.RunHostile(module);

        // Assert
        Assert.Equal(SandboxOutcome.NonZeroExit, result.Outcome);
        Assert.InRange(result.ExitCode!.Value, 1, HostileModules.ReadFailed - 1);
        Assert.False(File.Exists(Path.Combine(fixture.RepositoryPath, "planted.txt")));
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public void Preopens_ToolCall_OnlyTheRepositoryAtRoot()
    {
        // Arrange
        WasmModuleSource module = HostileModules.ListPreopens("list-preopens");

        // Act
        SandboxResult result = fixture.RunHostile(module);

        // Assert
        Assert.Equal(SandboxOutcome.Succeeded, result.Outcome);
        Assert.Equal("/\n", result.StdoutText);
    }

    [Fact]
    public async Task Network_ModuleImportingSockOpen_RejectedAtLink()
    {
        // Arrange
        WasmModuleSource module = HostileModules.ImportsSocketOpen("net-sock-open");

        // Act
        SandboxResult result = fixture.RunHostile(module);

        // Assert
        Assert.Equal(SandboxOutcome.ModuleRejected, result.Outcome);
        Assert.Contains("sock_open", result.Error, StringComparison.Ordinal);
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public async Task Network_ModuleImportingHostConnect_Rejected()
    {
        // Arrange
        WasmModuleSource module = HostileModules.ImportsHostConnect("net-env-connect");

        // Act
        SandboxResult result = fixture.RunHostile(module);

        // Assert
        Assert.Equal(SandboxOutcome.ModuleRejected, result.Outcome);
        Assert.Contains("env::connect", result.Error, StringComparison.Ordinal);
        await fixture.AssertStillServesAsync();
    }

    [Fact]
    public async Task Network_SocketCallsOnEveryDescriptor_AllFail()
    {
        // Arrange
        WasmModuleSource module = HostileModules.TriesSockets("net-sock-calls");

        // Act
        SandboxResult result = fixture.RunHostile(module);

        // Assert: no descriptor is a socket, so every sock_* call returned an errno
        Assert.Equal(SandboxOutcome.NonZeroExit, result.Outcome);
        Assert.NotEqual(0, result.ExitCode);
        await fixture.AssertStillServesAsync();
    }
}
