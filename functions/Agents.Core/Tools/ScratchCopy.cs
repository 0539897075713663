namespace Agents.Core.Tools;

/// <summary>A throw-away copy of a repository with the turn's patch applied: jobs never touch the original.</summary>
public sealed class ScratchCopy : IDisposable
{
    ScratchCopy(string path) => this.Path = path;

    public string Path { get; }

    public static async Task<(ScratchCopy? Copy, string? Error)> CreateAsync(RepositoryWorkspace workspace, string repository, string? patch, CancellationToken cancellationToken)
    {
        string root = workspace.RootOf(repository);
        var copy = new ScratchCopy(Directory.CreateTempSubdirectory("agentfn-").FullName);
        try
        {
            foreach (string file in workspace.Files(root))
            {
                string target = System.IO.Path.Combine(copy.Path, file);
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
                File.Copy(System.IO.Path.Combine(root, file), target);
            }

            if (patch is not null)
            {
                string? error = await ApplyAsync(copy.Path, patch, cancellationToken).ConfigureAwait(false);
                if (error is not null)
                {
                    copy.Dispose();
                    return (null, error);
                }
            }

            return (copy, null);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>Applies a unified diff with <c>git apply</c> (checked first, so a bad patch changes nothing).</summary>
    public static async Task<string?> ApplyAsync(string directory, string patch, CancellationToken cancellationToken)
    {
        string patchFile = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"agentfn-{Guid.NewGuid():N}.diff");
        await File.WriteAllTextAsync(patchFile, patch, cancellationToken).ConfigureAwait(false);
        try
        {
            ProcessResult check = await ProcessRunner.RunAsync("git", ["apply", "--check", "--whitespace=nowarn", patchFile], directory, TimeSpan.FromSeconds(30), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (check.ExitCode != 0)
            {
                return $"the patch does not apply: {check.Output.Trim()}";
            }

            ProcessResult apply = await ProcessRunner.RunAsync("git", ["apply", "--whitespace=nowarn", patchFile], directory, TimeSpan.FromSeconds(30), cancellationToken: cancellationToken).ConfigureAwait(false);
            return apply.ExitCode == 0 ? null : $"the patch did not apply: {apply.Output.Trim()}";
        }
        finally
        {
            File.Delete(patchFile);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(this.Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }
}
