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
    [InlineData("--- a/.git/config\n+++ b/.git/config\n@@ -1 +1 @@\n-x\n+y\n", "inside .git/")]
    [InlineData("--- a/src/.GIT/hooks/pre-commit\n+++ b/src/.GIT/hooks/pre-commit\n@@ -1 +1 @@\n-x\n+y\n", "inside .git/")]
    [InlineData("diff --git a/README.md b/.git/hooks/post-checkout\nrename from README.md\nrename to .git/hooks/post-checkout\n", "inside .git/")]
    [InlineData("diff --git a/x.py b/y.py\nrename from x.py\nrename to ../outside.py\n--- a/x.py\n+++ b/y.py\n@@ -1 +1 @@\n-x\n+y\n", "leaves the repository")]
    [InlineData("diff --git a/link b/link\nnew file mode 120000\n--- /dev/null\n+++ b/link\n@@ -0,0 +1 @@\n+/etc/passwd\n", "symbolic link")]
    [InlineData("--- a/C:/Windows/win.ini\n+++ b/C:/Windows/win.ini\n@@ -1 +1 @@\n-x\n+y\n", "leaves the repository")]
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
