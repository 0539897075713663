using Agents.Core.Tools;

namespace Agents.Core.Tests;

public sealed class UnifiedDiffTests
{
    const string Good = "--- a/inventory/pagination.py\n+++ b/inventory/pagination.py\n@@ -1,2 +1,2 @@\n-x\n+y\n";

    [Fact]
    public void Validate_UnifiedDiff_ListsItsFiles()
    {
        (var files, string? error) = UnifiedDiff.Validate(Good, _ => true);

        Assert.Null(error);
        Assert.Equal(["inventory/pagination.py"], files);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("just some prose", "not a unified diff")]
    [InlineData("--- a/../etc/passwd\n+++ b/../etc/passwd\n@@ -1 +1 @@\n-x\n+y\n", "leaves the repository")]
    [InlineData("--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-x\n+y\n", "leaves the repository")]
    [InlineData("--- a/x.py\n@@ -1 +1 @@\n", "not followed by a '+++'")]
    public void Validate_BadPatch_IsRefused(string diff, string reason)
    {
        (_, string? error) = UnifiedDiff.Validate(diff, _ => true);

        Assert.Contains(reason, error);
    }

    [Fact]
    public void Validate_ModifyingAMissingFile_IsRefused()
    {
        (_, string? error) = UnifiedDiff.Validate(Good, _ => false);

        Assert.Contains("does not exist", error);
    }

    [Fact]
    public void Validate_NewFile_DoesNotNeedToExist()
    {
        (var files, string? error) = UnifiedDiff.Validate("--- /dev/null\n+++ b/docs/new.md\n@@ -0,0 +1 @@\n+hello\n", _ => false);

        Assert.Null(error);
        Assert.Equal(["docs/new.md"], files);
    }
}
