using System.Text.Json;
using System.Text.Json.Nodes;

namespace Infra.Tests;

/// <summary>infra/ builds and lints clean, and the linter configuration makes warning-level rules fail.</summary>
[Collection(InfraCollection.Name)]
public class BicepTests(InfraFixture infra)
{
    /// <summary>Rules left off on purpose (bicepconfig.json says why).</summary>
    static readonly string[] RulesOff = ["use-recent-api-versions", "use-recent-module-versions", "use-description-vars"];

    /// <summary>Rules a reviewer expects to fail the build (warnings by default).</summary>
    static readonly string[] RulesThatMustBeErrors =
    [
        "no-unused-params", "no-unused-vars", "no-unused-existing-resources", "no-hardcoded-env-urls",
        "outputs-should-not-contain-secrets", "secure-parameter-default", "secure-secrets-in-params",
        "use-secure-value-for-secure-inputs", "use-resource-symbol-reference", "use-stable-resource-identifiers",
        "no-unnecessary-dependson", "use-parent-property", "prefer-interpolation", "simplify-interpolation",
        "explicit-values-for-loc-params", "no-hardcoded-location", "no-loc-expr-outside-params", "what-if-short-circuiting",
    ];

    [Fact]
    public void Build_MainBicep_ExitsZeroWithoutDiagnostics()
    {
        // Arrange, Act: the fixture ran `bicep build infra/main.bicep --outfile <temp>/main.json`

        // Assert
        Assert.True(infra.Build.ExitCode == 0, infra.Build.ToString());
        Assert.True(infra.Build.Diagnostics.Count == 0, infra.Build.ToString());
        Assert.NotNull(infra.Main);
    }

    [Fact]
    public void Lint_EveryBicepFile_ExitsZeroWithoutDiagnostics()
    {
        // Arrange
        string[] files = Directory.GetFiles(RepositoryRoot.Infra, "*.bicep", SearchOption.AllDirectories);

        // Act: the fixture ran `bicep lint --pattern 'infra/**/*.bicep'`

        // Assert
        Assert.Contains(files, f => Path.GetFileName(f) == "main.bicep");
        Assert.True(files.Length >= 8, $"expected main.bicep and its modules, found {files.Length} files");
        Assert.True(infra.Lint.ExitCode == 0, infra.Lint.ToString());
        Assert.True(infra.Lint.Diagnostics.Count == 0, infra.Lint.ToString());
    }

    [Fact]
    public void Lint_UnusedParameter_FailsWithTheInfraConfiguration()
    {
        // Arrange, Act: the fixture linted a probe with an unused parameter next to a copy of infra/bicepconfig.json

        // Assert: the rule (a warning by default, which leaves the exit code 0) is an error
        Assert.True(infra.ProbeLint.ExitCode != 0, infra.ProbeLint.ToString());
        Assert.Contains(infra.ProbeLint.Diagnostics, d => d.Contains(" : Error no-unused-params:", StringComparison.Ordinal));
    }

    [Fact]
    public void BicepConfig_AnalyzerRules_AreErrorsExceptTheDocumentedOnes()
    {
        // Arrange
        JsonObject rules = BicepConfig()["analyzers"]!["core"]!["rules"]!.AsObject();

        // Act
        Dictionary<string, string> levels = rules.ToDictionary(r => r.Key, r => (string)r.Value!["level"]!);

        // Assert
        Assert.True((bool)BicepConfig()["analyzers"]!["core"]!["enabled"]!);
        Assert.All(RulesThatMustBeErrors, rule => Assert.True(levels.ContainsKey(rule), $"bicepconfig.json does not set {rule}"));
        Assert.All(levels, rule => Assert.Equal(RulesOff.Contains(rule.Key) ? "off" : "error", rule.Value));
    }

    static JsonObject BicepConfig() =>
        JsonNode.Parse(
            File.ReadAllText(RepositoryRoot.File("infra", "bicepconfig.json")),
            documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();
}
