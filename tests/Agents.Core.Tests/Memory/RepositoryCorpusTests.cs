using System.Text;
using Agents.Core.LongTermMemory;
using Agents.Core.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Agents.Core.Tests.LongTermMemory;

[Collection(MemoryCollection.Name)]
public sealed class RepositoryCorpusTests(MemoryFixture fixture)
{
    [Fact]
    public void Scan_SampleRepositoryWithThePolicyFilter_SecretsAndPiiAreNeverRead()
    {
        // Arrange
        var corpus = fixture.Services.GetRequiredService<RepositoryCorpus>();
        Func<string, bool> filter = fixture.Services.GetRequiredService<MemoryAccess>().For(MemoryFixture.Session("corpus"));

        // Act
        CorpusScan scan = corpus.Scan("inventory-service", filter);

        // Assert: .env.example is forbidden by the policy, data/customers.csv is tagged pii
        string[] indexed = scan.Files.Select(f => f.Path).ToArray();
        Assert.Contains("inventory/pagination.py", indexed);
        Assert.Contains("README.md", indexed);
        Assert.DoesNotContain(".env.example", indexed);
        Assert.DoesNotContain("data/customers.csv", indexed);
        Assert.Contains(new SkippedFile(".env.example", SkipReasons.Filtered), scan.Skipped);
        Assert.Contains(new SkippedFile("data/customers.csv", SkipReasons.Filtered), scan.Skipped);
        Assert.All(scan.Files, f => Assert.Equal(RepositoryCorpus.Hash(File.ReadAllBytes(Path.Combine(MemoryFixture.SampleRepository, f.Path))), f.Sha256));
    }

    [Fact]
    public void Scan_BinariesLargeFilesAndIgnoredFolders_LeftOut()
    {
        // Arrange
        string root = Directory.CreateTempSubdirectory("memory-corpus-").FullName;
        try
        {
            string repository = Path.Combine(root, "repo");
            Directory.CreateDirectory(Path.Combine(repository, "node_modules", "lib"));
            Directory.CreateDirectory(Path.Combine(repository, "src"));
            File.WriteAllText(Path.Combine(repository, "src", "app.py"), "print('hello')\n");
            File.WriteAllBytes(Path.Combine(repository, "src", "logo.png"), [0x89, 0x50, 0x4E, 0x47, 0x00, 0x01]);
            File.WriteAllBytes(Path.Combine(repository, "src", "latin1.txt"), Encoding.Latin1.GetBytes("caf\u00e9 cr\u00e8me"));
            File.WriteAllText(Path.Combine(repository, "src", "big.json"), new string('x', 5_000));
            File.WriteAllText(Path.Combine(repository, "node_modules", "lib", "index.js"), "module.exports = 1;\n");
            var workspace = new RepositoryWorkspace(Options.Create(new WorkspaceOptions { RepositoriesRoot = root }));
            var corpus = new RepositoryCorpus(workspace, Options.Create(new MemoryOptions { MaxFileBytes = 4_096 }));

            // Act
            CorpusScan scan = corpus.Scan("repo", _ => true);

            // Assert
            Assert.Equal(["src/app.py"], scan.Files.Select(f => f.Path));
            Assert.Equal(
                [new SkippedFile("src/big.json", SkipReasons.TooLarge), new SkippedFile("src/latin1.txt", SkipReasons.Binary), new SkippedFile("src/logo.png", SkipReasons.Binary)],
                scan.Skipped.OrderBy(s => s.Path, StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
