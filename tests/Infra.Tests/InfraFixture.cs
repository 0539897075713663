namespace Infra.Tests;

/// <summary>
/// Runs the Bicep CLI once for all tests, three runs at the same time: `bicep build infra/main.bicep` into a temporary
/// folder, `bicep lint` over every .bicep file under infra/, and lint on a probe with deliberate mistakes under infra's
/// bicepconfig.json (to show that the configuration turns a warning-level rule into a failure).
/// </summary>
public sealed class InfraFixture : IAsyncLifetime
{
    readonly DirectoryInfo temp = Directory.CreateTempSubdirectory("infra-tests-");
    ArmTemplate? main;

    public BicepRun Build { get; private set; } = null!;

    public BicepRun Lint { get; private set; } = null!;

    public BicepRun ProbeLint { get; private set; } = null!;

    /// <summary>The compiled main.json; fails the calling test with the build's output when the build failed.</summary>
    public ArmTemplate Main => this.main ?? throw new Xunit.Sdk.XunitException($"infra/main.bicep did not build.\n{this.Build}");

    public async Task InitializeAsync()
    {
        string compiled = Path.Combine(this.temp.FullName, "main.json");
        string probe = this.WriteProbe();
        Task<BicepRun> build = BicepCli.RunAsync(RepositoryRoot.Path, "build", "infra/main.bicep", "--outfile", compiled);
        Task<BicepRun> lint = BicepCli.RunAsync(RepositoryRoot.Path, "lint", "--pattern", "infra/**/*.bicep");
        Task<BicepRun> probeLint = BicepCli.RunAsync(RepositoryRoot.Path, "lint", probe);
        await Task.WhenAll(build, lint, probeLint);
        (this.Build, this.Lint, this.ProbeLint) = (build.Result, lint.Result, probeLint.Result);
        if (this.Build.ExitCode == 0 && File.Exists(compiled))
        {
            this.main = ArmTemplate.Load(compiled);
        }
    }

    public Task DisposeAsync()
    {
        this.temp.Delete(recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>A template with an unused parameter (a linter rule that is a warning by default) next to infra's bicepconfig.json.</summary>
    string WriteProbe()
    {
        File.Copy(RepositoryRoot.File("infra", "bicepconfig.json"), Path.Combine(this.temp.FullName, "bicepconfig.json"));
        string probe = Path.Combine(this.temp.FullName, "probe.bicep");
        File.WriteAllText(probe, """
            @description('Declared and never used.')
            param unusedProbe string = ''
            """);
        return probe;
    }
}

[CollectionDefinition(Name)]
public sealed class InfraCollection : ICollectionFixture<InfraFixture>
{
    public const string Name = "infra";
}
