using Agents.Core.Policy;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests.Policy;

/// <summary>A policy that does not parse or check is refused at load, with the line and the reason.</summary>
public sealed class PolicyLoadTests
{
    [Theory]
    [InlineData("version: v\nrules:\n  - id: a\n    effect: permit\n    when: 'true'\n  - id: b\n     effect: [\n", 7, "not valid YAML")]
    [InlineData("version: v\nrules:\n  - id: a\n    effect: allow\n    when: 'true'\n", 3, "is not permit, forbid or require_approval")]
    [InlineData("version: v\nrules:\n  - id: a\n    effect: permit\n    when: 'true'\n  - id: b\n    effect: forbid\n    when: action.tool ==\n", 6, "does not parse")]
    [InlineData("version: v\nrules:\n  - id: a\n    effect: permit\n    when: action.tol == 'x'\n", 3, "does not check against the policy inputs")]
    [InlineData("version: v\nrules:\n  - id: a\n    effect: permit\n    when: action.args.path == 'x'\n", 3, "does not check")]
    [InlineData("version: v\nrules:\n  - id: a\n    effect: permit\n    when: action.tool\n", 3, "must be true or false")]
    [InlineData("version: v\nrules:\n  - id: a\n    effect: permit\n    when: 'true'\n  - id: a\n    effect: forbid\n    when: 'true'\n", 6, "appears twice")]
    [InlineData("rules:\n  - id: a\n    effect: permit\n    when: 'true'\n", 1, "'version' is required")]
    [InlineData("version: v\nrules:\n  - id: a\n    effect: permit\n    when: 'true'\n    colour: red\n", 3, "unknown field 'colour'")]
    public void Load_BadDocument_IsRefusedWithLineAndReason(string document, int line, string reason)
    {
        var refused = Assert.Throws<PolicyLoadException>(() => CompiledPolicy.Load(document, "test.yaml"));

        Assert.Equal(line, refused.Line);
        Assert.Contains(reason, refused.Reason);
        Assert.StartsWith($"test.yaml:{line}: ", refused.Message);
    }

    [Fact]
    public void TryLoad_BadNewVersion_KeepsThePreviousInForce()
    {
        var store = new PolicyStore(Options.Create(new PolicyOptions()), NullLogger<PolicyStore>.Instance);
        string before = store.Current.Version;

        string? error = store.TryLoad("version: broken\nrules:\n  - id: a\n    effect: permit\n    when: nope(\n", "new.yaml");

        Assert.NotNull(error);
        Assert.Equal(before, store.Current.Version);
        Assert.Equal(error, store.LastError);
    }

    [Fact]
    public void TryLoad_GoodNewVersion_TakesOverAndKeepsTheOldOneNamed()
    {
        var store = new PolicyStore(Options.Create(new PolicyOptions()), NullLogger<PolicyStore>.Instance);
        string before = store.Current.Version;

        string? error = store.TryLoad("version: next-1\nrules:\n  - id: a\n    effect: permit\n    when: 'true'\n", "new.yaml");

        Assert.Null(error);
        Assert.Equal("next-1", store.Current.Version);
        Assert.NotNull(store.Version(before));
    }
}
