using Agents.Core.LongTermMemory;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Core.Tests.LongTermMemory;

/// <summary>The local memory on a real Azurite with the real MiniLM model.</summary>
[Collection(MemoryCollection.Name)]
public sealed class BlobMemoryIndexTests(MemoryFixture fixture)
{
    static string NewRepository() => $"repo-{Guid.NewGuid():N}"[..20];

    static SourceFile File(string path, string text) => RepositoryCorpus.FromText(path, text);

    static readonly SourceFile[] Corpus =
    [
        File("src/pagination.py", "def paginate(items, page, page_size=20):\n    start = page * page_size\n    return items[start:start + page_size]\n"),
        File("src/stock.py", "class Stock:\n    def reserve(self, sku, quantity):\n        if quantity > self.available(sku):\n            raise OutOfStock(sku)\n"),
        File("docs/deploy.md", "# Deploying\n\nRun the deployment pipeline, then check the health endpoint of every region.\n"),
        File("src/auth.py", "def verify_token(token, keys):\n    header = jwt.get_unverified_header(token)\n    return jwt.decode(token, keys[header['kid']])\n"),
    ];

    /// <summary>The sample repository as the platform scans it for a session (policy and data tags applied).</summary>
    CorpusScan ScanSample() =>
        fixture.Services.GetRequiredService<RepositoryCorpus>().Scan(
            "inventory-service",
            fixture.Services.GetRequiredService<MemoryAccess>().For(MemoryFixture.Session("scan")));

    [Fact]
    public async Task SearchAsync_Ticket101OnTheSampleRepository_RanksPaginationFirst()
    {
        // Arrange
        string repository = NewRepository();
        BlobMemoryIndex index = fixture.NewBlobIndex();
        await index.IndexAsync(repository, this.ScanSample().Files);

        // Act
        IReadOnlyList<MemoryHit> hits = await index.SearchAsync(repository, MemoryFixture.Ticket101, 8);

        // Assert
        Assert.NotEmpty(hits);
        Assert.Equal("inventory/pagination.py", hits[0].Path);
        Assert.Contains("def paginate", hits[0].Text, StringComparison.Ordinal);
        Assert.True(hits[0].StartLine >= 1 && hits[0].EndLine >= hits[0].StartLine);
        Assert.Equal(hits.OrderByDescending(h => h.Score).Select(h => h.Score), hits.Select(h => h.Score));
    }

    [Fact]
    public async Task SearchAsync_HitLines_AreTheLinesOfTheFile()
    {
        // Arrange
        string repository = NewRepository();
        BlobMemoryIndex index = fixture.NewBlobIndex();
        CorpusScan scan = this.ScanSample();
        await index.IndexAsync(repository, scan.Files);

        // Act
        IReadOnlyList<MemoryHit> hits = await index.SearchAsync(repository, "reserve stock for an order", 8);

        // Assert: each hit's text is exactly its line range of the file
        Assert.All(hits, hit =>
        {
            string[] lines = scan.Files.Single(f => f.Path == hit.Path).Text.Split('\n');
            Assert.Equal(string.Join("\n", lines[(hit.StartLine - 1)..hit.EndLine]), hit.Text);
        });
    }

    [Fact]
    public async Task IndexAsync_NothingChanged_EmbedsNothingAndWritesNothing()
    {
        // Arrange
        string repository = NewRepository();
        var counting = new CountingEmbedder(SharedEmbedder.Instance);
        BlobMemoryIndex index = fixture.NewBlobIndex(counting);
        IndexReport first = await index.IndexAsync(repository, Corpus);
        counting.Reset();

        // Act
        IndexReport again = await index.IndexAsync(repository, Corpus);

        // Assert
        Assert.True(first.Written);
        Assert.Equal(Corpus.Length, first.Added);
        Assert.Equal(0, counting.Texts);
        Assert.False(again.Written);
        Assert.True(again.NothingChanged);
        Assert.Equal((4, 4, 0), (again.Files, again.Unchanged, again.ChunksEmbedded));
    }

    [Fact]
    public async Task IndexAsync_OneFileChanged_ReembedsOnlyThatFile()
    {
        // Arrange
        string repository = NewRepository();
        var counting = new CountingEmbedder(SharedEmbedder.Instance);
        BlobMemoryIndex index = fixture.NewBlobIndex(counting);
        IndexReport first = await index.IndexAsync(repository, Corpus);
        Assert.Equal(first.Chunks, counting.Texts);
        counting.Reset();
        SourceFile changed = File("docs/deploy.md", "# Deploying\n\nRoll back with the blue-green switch when the canary's error budget burns.\n");

        // Act
        IndexReport second = await index.IndexAsync(repository, [.. Corpus.Where(f => f.Path != changed.Path), changed]);
        IReadOnlyList<MemoryHit> hits = await index.SearchAsync(repository, "how do I roll back a bad canary release", 1);

        // Assert: one file's chunk embedded (plus the query)
        Assert.Equal((1, 3, 0, 1), (second.Changed, second.Unchanged, second.Added, second.ChunksEmbedded));
        Assert.Equal(2, counting.Texts);
        Assert.Equal("docs/deploy.md", hits.Single().Path);
        Assert.Contains("blue-green", hits.Single().Text, StringComparison.Ordinal);
        VectorIndex stored = (await index.LoadAsync(repository))!;
        Assert.Equal(changed.Sha256, stored.Files.Single(f => f.Path == changed.Path).Sha256);
    }

    [Fact]
    public async Task IndexAsync_FileRemoved_DropsItsChunks()
    {
        // Arrange
        string repository = NewRepository();
        var counting = new CountingEmbedder(SharedEmbedder.Instance);
        BlobMemoryIndex index = fixture.NewBlobIndex(counting);
        await index.IndexAsync(repository, Corpus);
        counting.Reset();

        // Act
        IndexReport report = await index.IndexAsync(repository, Corpus.Where(f => f.Path != "src/auth.py").ToList());
        IReadOnlyList<MemoryHit> hits = await index.SearchAsync(repository, "verify a JWT token signature", 8);

        // Assert
        Assert.Equal((1, 3, 0), (report.Removed, report.Unchanged, report.ChunksEmbedded));
        Assert.Equal(1, counting.Texts);
        Assert.DoesNotContain(hits, h => h.Path == "src/auth.py");
        Assert.DoesNotContain((await index.LoadAsync(repository))!.Files, f => f.Path == "src/auth.py");
    }

    [Fact]
    public async Task SearchAsync_AnotherHostReindexed_SeesTheNewIndexThroughTheETag()
    {
        // Arrange: two instances with their own caches, as two hosts
        string repository = NewRepository();
        BlobMemoryIndex writer = fixture.NewBlobIndex();
        BlobMemoryIndex reader = fixture.NewBlobIndex();
        await writer.IndexAsync(repository, Corpus);
        IReadOnlyList<MemoryHit> before = await reader.SearchAsync(repository, "quarterly invoice VAT rounding", 1);
        await reader.SearchAsync(repository, "anything", 1);
        long downloadsWhileUnchanged = reader.Downloads;

        // Act
        await writer.IndexAsync(repository, [.. Corpus, File("billing/invoice.py", "def vat(amount):\n    # VAT on quarterly invoices is rounded half-up to the cent\n    return round_half_up(amount * 0.2, 2)\n")]);
        IReadOnlyList<MemoryHit> after = await reader.SearchAsync(repository, "quarterly invoice VAT rounding", 1);

        // Assert
        Assert.NotEqual("billing/invoice.py", before.Single().Path);
        Assert.Equal(1, downloadsWhileUnchanged);
        Assert.Equal("billing/invoice.py", after.Single().Path);
        Assert.Equal(2, reader.Downloads);
    }

    [Fact]
    public async Task IndexAsync_AnotherHostWritesMidway_RetriesOnTheNewVersionWithoutReembedding()
    {
        // Arrange: host A starts indexing; while it embeds, host B writes a different version
        string repository = NewRepository();
        BlobMemoryIndex seed = fixture.NewBlobIndex();
        await seed.IndexAsync(repository, Corpus[..2]);
        var countingA = new CountingEmbedder(SharedEmbedder.Instance);
        BlobMemoryIndex hostA = fixture.NewBlobIndex(countingA);
        BlobMemoryIndex hostB = fixture.NewBlobIndex();
        countingA.BeforeNextEmbed = () => hostB.IndexAsync(repository, Corpus[..3]);

        // Act
        IndexReport report = await hostA.IndexAsync(repository, Corpus);

        // Assert: A's write lost the first race (412), reloaded B's version and wrote its own on top, embedding each chunk once
        Assert.True(report.Written);
        VectorIndex stored = (await fixture.NewBlobIndex().LoadAsync(repository))!;
        Assert.Equal(Corpus.Select(f => f.Path).Order(StringComparer.Ordinal), stored.Files.Select(f => f.Path));
        Assert.Equal(2, countingA.Texts);
    }

    [Fact]
    public async Task IndexAsync_DamagedIndexBlob_RebuiltFromScratch()
    {
        // Arrange
        string repository = NewRepository();
        BlobMemoryIndex index = fixture.NewBlobIndex();
        BlobContainerClient container = fixture.Containers.Service.GetBlobContainerClient(fixture.Containers.Names.MemoryContainer);
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient(BlobMemoryIndex.BlobName(repository)).UploadAsync(BinaryData.FromString("garbage"), overwrite: true);

        // Act
        MemoryUnavailableException damaged = await Assert.ThrowsAsync<MemoryUnavailableException>(() => index.SearchAsync(repository, "paginate", 3));
        IndexReport report = await index.IndexAsync(repository, Corpus);
        IReadOnlyList<MemoryHit> hits = await index.SearchAsync(repository, "paginate items by page", 1);

        // Assert
        Assert.Contains("damaged", damaged.Message, StringComparison.Ordinal);
        Assert.True(report.Written);
        Assert.Equal("src/pagination.py", hits.Single().Path);
    }

    [Fact]
    public async Task IndexAsync_ChunkingSettingsChanged_ReembedsEverything()
    {
        // Arrange
        string repository = NewRepository();
        await fixture.NewBlobIndex().IndexAsync(repository, Corpus);
        var counting = new CountingEmbedder(SharedEmbedder.Instance);
        BlobMemoryIndex changed = fixture.NewBlobIndex(counting, new MemoryOptions { ChunkLines = 20, OverlapLines = 5 });

        // Act
        IndexReport report = await changed.IndexAsync(repository, Corpus);

        // Assert
        Assert.Equal((4, 0, 4), (report.Changed, report.Unchanged, report.ChunksEmbedded));
        Assert.Equal(4, counting.Texts);
        Assert.Contains("lines=20", (await changed.LoadAsync(repository))!.Fingerprint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchAsync_FilterRefusesAFile_ItsChunksAreWithheld()
    {
        string repository = NewRepository();
        BlobMemoryIndex index = fixture.NewBlobIndex();
        await index.IndexAsync(repository, Corpus);

        IReadOnlyList<MemoryHit> hits = await index.SearchAsync(repository, "paginate items by page", 8, path => path != "src/pagination.py");

        Assert.Equal(3, hits.Count);
        Assert.DoesNotContain(hits, h => h.Path == "src/pagination.py");
    }

    [Fact]
    public async Task SearchAsync_NeverIndexed_NoHits() =>
        Assert.Empty(await fixture.NewBlobIndex().SearchAsync(NewRepository(), "anything", 8));
}
