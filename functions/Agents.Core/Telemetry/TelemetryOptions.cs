namespace Agents.Core.Telemetry;

/// <summary>
/// Section <c>Telemetry</c>. Where spans, metrics and logs go is decided by the standard variables: Azure Monitor when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, nowhere otherwise.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    public const string ApplicationInsightsSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Set by the infrastructure to <c>ClientId=...;Authorization=AAD</c> (Entra ID instead of the key).</summary>
    public const string ApplicationInsightsAuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Off: no tracer or meter provider is registered, so spans are never created.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The <c>service.name</c> resource attribute.</summary>
    public string ServiceName { get; set; } = "agentfunctions";
}
