using Agents.Core.Redaction;
using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Agents.Core.Telemetry;

/// <summary>The OpenTelemetry pipeline, registered once for both hosts.</summary>
public static class TelemetryRegistration
{
    public static IServiceCollection AddAgentTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.Section));
        TelemetryOptions options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.Enabled)
        {
            return services;
        }

        string? azureMonitor = NullIfEmpty(configuration[TelemetryOptions.ApplicationInsightsSetting]);
        TokenCredential? entra = EntraCredential(configuration[TelemetryOptions.ApplicationInsightsAuthenticationSetting]);
        Uri? otlp = NullIfEmpty(configuration[TelemetryOptions.OtlpEndpointSetting]) is { } endpoint ? new Uri(endpoint) : null;

        OpenTelemetryBuilder telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName))
            .WithTracing(tracing =>
            {
                // Only the platform's source: the Durable Task SDK's and Azure SDK's spans would parent on whatever
                // Activity.Current is and break the one-trace-per-turn tree, so they are not collected.
                tracing.AddSource(AgentTelemetry.Name);
                tracing.AddProcessor(sp => new RedactingSpanProcessor(sp.GetRequiredService<Redactor>()));
                if (azureMonitor is not null)
                {
                    tracing.AddAzureMonitorTraceExporter(o => AzureMonitor(o, azureMonitor, entra));
                }

                if (otlp is not null)
                {
                    tracing.AddOtlpExporter(o => o.Endpoint = otlp);
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(AgentTelemetry.Name);
                if (azureMonitor is not null)
                {
                    metrics.AddAzureMonitorMetricExporter(o => AzureMonitor(o, azureMonitor, entra));
                }

                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(o => o.Endpoint = otlp);
                }
            });

        if (azureMonitor is not null || otlp is not null)
        {
            // Log records reach these exporters through the redacting logger factory, already redacted.
            telemetry.WithLogging(logging =>
            {
                if (azureMonitor is not null)
                {
                    logging.AddAzureMonitorLogExporter(o => AzureMonitor(o, azureMonitor, entra));
                }

                if (otlp is not null)
                {
                    logging.AddOtlpExporter(o => o.Endpoint = otlp);
                }
            });
        }

        return services;
    }

    static void AzureMonitor(AzureMonitorExporterOptions options, string connectionString, TokenCredential? credential)
    {
        options.ConnectionString = connectionString;
        options.Credential = credential;
    }

    /// <summary>
    /// Application Insights with local auth disabled takes Entra ID tokens: <c>Authorization=AAD</c> with the managed
    /// identity's <c>ClientId</c>, the same setting the Functions host reads.
    /// </summary>
    static TokenCredential? EntraCredential(string? authentication)
    {
        if (string.IsNullOrWhiteSpace(authentication))
        {
            return null;
        }

        var parts = authentication.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!string.Equals(parts.GetValueOrDefault("Authorization"), "AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return parts.GetValueOrDefault("ClientId") is { Length: > 0 } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }

    static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
