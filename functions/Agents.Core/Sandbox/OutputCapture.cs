using System.Buffers;

namespace Agents.Core.Sandbox;

/// <summary>
/// Keeps what a module writes to one stream, up to a cap. Past the cap it keeps the bytes that fit, remembers the
/// overflow and throws, which makes Wasmtime close the stream: every later write fails in the module.
/// </summary>
sealed class OutputCapture(int limit)
{
    readonly ArrayBufferWriter<byte> buffer = new();
    readonly Lock gate = new();
    bool exceeded;

    public bool Exceeded
    {
        get
        {
            lock (this.gate)
            {
                return this.exceeded;
            }
        }
    }

    public int Limit => limit;

    /// <summary>Called by Wasmtime on its own thread while the module's thread waits.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        lock (this.gate)
        {
            int room = limit - this.buffer.WrittenCount;
            if (data.Length <= room)
            {
                this.buffer.Write(data);
                return;
            }

            this.buffer.Write(data[..Math.Max(0, room)]);
            this.exceeded = true;
        }

        throw new OutputLimitExceededException();
    }

    public byte[] ToArray()
    {
        lock (this.gate)
        {
            return this.buffer.WrittenSpan.ToArray();
        }
    }

    sealed class OutputLimitExceededException() : Exception("output cap reached");
}
