using System.Text.Json;
using System.Text.Json.Serialization;

namespace Agents.Core.Contracts;

/// <summary>Enums travel as snake_case strings (<c>awaiting_approval</c>) in history, events and the API alike.</summary>
public sealed class SnakeCaseEnum<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.SnakeCaseLower)
    where T : struct, Enum;

public static class EnumNames
{
    public static string Snake<T>(this T value)
        where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
