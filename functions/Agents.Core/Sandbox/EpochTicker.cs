using Wasmtime;

namespace Agents.Core.Sandbox;

/// <summary>
/// Advances the engine's epoch every tick while at least one call runs, on a dedicated thread (the thread pool can be
/// starved by the very work it would have to interrupt). Idle, the thread waits and costs nothing.
/// </summary>
sealed class EpochTicker : IDisposable
{
    readonly Engine engine;
    readonly TimeSpan tick;
    readonly Thread thread;
    readonly ManualResetEventSlim running = new(false);
    int active;
    volatile bool disposed;

    public EpochTicker(Engine engine, TimeSpan tick)
    {
        this.engine = engine;
        this.tick = tick;
        this.thread = new Thread(this.Loop) { IsBackground = true, Name = "wasm-sandbox-epoch" };
        this.thread.Start();
    }

    public void Enter()
    {
        if (Interlocked.Increment(ref this.active) == 1)
        {
            this.running.Set();
        }
    }

    public void Exit() => Interlocked.Decrement(ref this.active);

    public void Dispose()
    {
        this.disposed = true;
        this.running.Set();
        this.thread.Join();
        this.running.Dispose();
    }

    void Loop()
    {
        while (!this.disposed)
        {
            if (Volatile.Read(ref this.active) == 0)
            {
                this.running.Reset();
                if (Volatile.Read(ref this.active) == 0 && !this.disposed)
                {
                    this.running.Wait();
                }

                continue;
            }

            Thread.Sleep(this.tick);
            this.engine.IncrementEpoch();
        }
    }
}
