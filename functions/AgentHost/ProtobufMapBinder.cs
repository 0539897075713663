using DurableTask.AzureStorage;

namespace AgentHost;

/// <summary>
/// Works around a sidecar/AzureStorage mismatch: the gRPC sidecar copies a sub-orchestration's tags as a protobuf
/// <c>MapField&lt;string,string&gt;</c>, which AzureStorage writes into the queue message with a type name it cannot
/// resolve when reading it back, so the sub-orchestration never starts. Tags are written, and read, as a plain dictionary.
/// </summary>
public sealed class ProtobufMapBinder : ICustomTypeBinder
{
    const string MapFieldPrefix = "Google.Protobuf.Collections.MapField`2";

    public void BindToName(Type serializedType, out string assemblyName, out string typeName)
    {
        assemblyName = null!;
        typeName = IsMapField(serializedType.FullName) ? typeof(Dictionary<string, string>).FullName! : serializedType.FullName!;
    }

    public Type BindToType(string assemblyName, string typeName) =>
        IsMapField(typeName) ? typeof(Dictionary<string, string>) : null!;

    static bool IsMapField(string? typeName) => typeName?.StartsWith(MapFieldPrefix, StringComparison.Ordinal) == true;
}
