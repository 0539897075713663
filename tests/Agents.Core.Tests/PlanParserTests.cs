using Agents.Core.Planning;
using Agents.Core.Tools;
using Agents.Testing;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests;

public sealed class PlanParserTests
{
    static readonly ToolCatalog Catalog = CatalogFor();

    [Fact]
    public void Parse_ValidPlan_RequiresApprovalWhereTheCatalogSaysEvenIfTheModelDoesNot()
    {
        (var plan, string? error) = PlanParser.Parse(
            """{"goal":"g","steps":[{"id":"read","tool":"read_file","args":{"path":"a.py"}},{"id":"pr","tool":"open_pull_request","args":{"title":"t"},"depends_on":["read"],"requires_approval":false}]}""",
            Catalog);

        Assert.Null(error);
        Assert.False(plan!.Steps[0].RequiresApproval);
        Assert.True(plan.Steps[1].RequiresApproval);
        Assert.Equal("""{"path":"a.py"}""", plan.Steps[0].Arguments);
    }

    [Fact]
    public void Parse_FencedJson_IsAccepted()
    {
        (var plan, string? error) = PlanParser.Parse("```json\n{\"goal\":\"g\",\"steps\":[{\"id\":\"a\",\"tool\":\"list_files\"}]}\n```", Catalog);

        Assert.Null(error);
        Assert.Single(plan!.Steps);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"steps":[{"id":"a","tool":"list_files"}]}""", "Required properties [\"goal\"]")]
    [InlineData("""{"goal":"g","steps":[]}""", "/steps: Value should have at least 1 items")]
    [InlineData("""{"goal":"g","steps":[{"id":"A!","tool":"list_files"}]}""", "/steps/0/id")]
    [InlineData("""{"goal":"g","steps":[{"id":"a","tool":"list_files"},{"id":"a","tool":"list_files"}]}""", "appears twice")]
    [InlineData("""{"goal":"g","steps":[{"id":"a","tool":"rm"}]}""", "unknown tool 'rm'")]
    [InlineData("""{"goal":"g","steps":[{"id":"a","tool":"list_files","args":"x"}]}""", "/steps/0/args")]
    [InlineData("""{"goal":"g","steps":[{"id":"a","tool":"read_file","args":{}}]}""", "arguments for read_file are invalid")]
    [InlineData("""{"goal":"g","steps":[{"id":"a","tool":"read_file","args":{"path":"x","mode":"w"}}]}""", "arguments for read_file are invalid")]
    [InlineData("""{"goal":"g","steps":[{"id":"a","tool":"list_files","depends_on":["z"]}]}""", "not a step of the plan")]
    [InlineData("""{"goal":"g","steps":[{"id":"a","tool":"list_files","depends_on":["a"]}]}""", "itself")]
    [InlineData("""{"goal":"g","steps":[{"id":"a","tool":"list_files","depends_on":["c"]},{"id":"b","tool":"list_files","depends_on":["a"]},{"id":"c","tool":"list_files","depends_on":["b"]}]}""", "cycle")]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public void Parse_InvalidPlan_SaysWhatIsWrong(string text, string reason)
    {
        (var plan, string? error) = PlanParser.Parse(text, Catalog);

        Assert.Null(plan);
        Assert.Contains(reason, error);
    }

    [Fact]
    [Trait(GuardrailCatalog.Trait, GuardrailCatalog.Category)]
    public void Parse_TooManySteps_IsRejected()
    {
        string steps = string.Join(",", Enumerable.Range(0, PlanParser.MaxSteps + 1).Select(i => $$"""{"id":"s{{i}}","tool":"list_files"}"""));

        (var plan, string? error) = PlanParser.Parse($$"""{"goal":"g","steps":[{{steps}}]}""", Catalog);

        Assert.Null(plan);
        Assert.Contains($"at most {PlanParser.MaxSteps}", error);
    }

    static ToolCatalog CatalogFor()
    {
        var workspace = new RepositoryWorkspace(Options.Create(new WorkspaceOptions()));
        return new ToolCatalog([new ListFilesTool(workspace), new ReadFileTool(workspace), new OpenPullRequestTool(workspace)]);
    }
}
