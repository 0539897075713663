using System.Reflection;

namespace Agents.Core.Sandbox;

/// <summary>
/// A WASM module by name, with where its bytes come from. The sandbox compiles a name once and reuses the compiled
/// module for every later call with that name.
/// </summary>
public sealed class WasmModuleSource
{
    const string ToolResourcePrefix = "tools/";

    readonly Func<byte[]> load;

    WasmModuleSource(string name, bool isText, Func<byte[]> load)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        this.Name = name;
        this.IsText = isText;
        this.load = load;
    }

    public string Name { get; }

    /// <summary>True for WebAssembly text (WAT), false for a binary module.</summary>
    public bool IsText { get; }

    /// <summary>A tool module built from <c>functions/tools/{name}</c> and embedded in this assembly (<c>functions/tools/modules/{name}.wasm</c>).</summary>
    public static WasmModuleSource Tool(string name) => new(name, isText: false, () =>
    {
        Assembly assembly = typeof(WasmModuleSource).Assembly;
        using Stream stream = assembly.GetManifestResourceStream(ToolResourcePrefix + name + ".wasm")
            ?? throw new InvalidOperationException($"tool module '{name}' is not embedded in {assembly.GetName().Name} (functions/tools/modules/{name}.wasm)");
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return bytes.ToArray();
    });

    public static WasmModuleSource FromBinary(string name, byte[] wasm) => new(name, isText: false, () => wasm);

    public static WasmModuleSource FromText(string name, string wat) => new(name, isText: true, () => System.Text.Encoding.UTF8.GetBytes(wat));

    internal byte[] Load() => this.load();
}
