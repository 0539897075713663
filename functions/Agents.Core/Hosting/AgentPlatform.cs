using Agents.Core.Activities;
using Agents.Core.Browser;
using Agents.Core.Budgets;
using Agents.Core.Load;
using Agents.Core.LongTermMemory;
using Agents.Core.Contracts;
using Agents.Core.Credentials;
using Agents.Core.Models;
using Agents.Core.Orchestrations;
using Agents.Core.Sandbox;
using Agents.Core.Policy;
using Agents.Core.Publishing;
using Agents.Core.Replay;
using Agents.Core.Redaction;
using Agents.Core.Sessions;
using Agents.Core.Slack;
using Agents.Core.Storage;
using Agents.Core.Streaming;
using Agents.Core.Telemetry;
using Agents.Core.Tools;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Agents.Core.Hosting;

/// <summary>What both hosts call: the platform's services, and its orchestrations and activities.</summary>
public static class AgentPlatform
{
    public static IServiceCollection AddAgentPlatform(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AgentOptions>().Bind(configuration.GetSection(AgentOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.IsConfigured, "Storage:ConnectionString or Storage:BlobServiceUri is required (local: UseDevelopmentStorage=true with Azurite)")
            .ValidateOnStart();
        services.AddOptions<ModelOptions>().Bind(configuration.GetSection(ModelOptions.Section)).ValidateDataAnnotations()
            .Validate(
                o => o.EffectiveProviders.Values.All(p => p.Kind == ModelProviderKind.Offline || p.Endpoint is not null),
                "Models:Providers:{name}:Endpoint is required for AzureOpenAI and OpenAICompatible providers")
            .Validate(
                o => Enum.GetValues<ModelTier>().SelectMany(o.CandidatesFor).All(c => o.EffectiveProviders.ContainsKey(c.Provider)),
                "every candidate under Models:Tiers must name a provider under Models:Providers")
            .Validate(
                o => o.EffectiveProviders.Values.All(p => p.LatencyMs is >= 0 and <= 600_000 && p.LatencyJitterMs is >= 0 and <= 600_000),
                "Models:Providers:{name}:LatencyMs and LatencyJitterMs must be between 0 and 600000 (milliseconds)")
            .ValidateOnStart();
        services.AddOptions<BudgetOptions>().Bind(configuration.GetSection(BudgetOptions.Section)).ValidateOnStart();
        services.AddOptions<LoadOptions>().Bind(configuration.GetSection(LoadOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.Level1At <= o.Level2At && o.Level2At <= o.Level3At, "Backpressure: Level1At <= Level2At <= Level3At")
            .ValidateOnStart();
        services.AddOptions<WorkspaceOptions>().Bind(configuration.GetSection(WorkspaceOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SandboxOptions>().Bind(configuration.GetSection(SandboxOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BrowserOptions>().Bind(configuration.GetSection(BrowserOptions.Section)).ValidateDataAnnotations()
            .Validate(BrowserOptions.HasValidOrigins, "Browser:AllowedOrigins and Browser:RepositoryOrigins entries must be origins: scheme://host[:port], http or https, no path")
            .ValidateOnStart();

        services.AddAgentRedaction(configuration);
        services.AddAgentTelemetry(configuration);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(Redaction.Redactor.Default);
        services.AddSingleton<BlobContainers>();
        services.AddSingleton<IPayloadStore, BlobPayloadStore>();
        services.AddSingleton<IEventLog, BlobEventLog>();
        services.AddSingleton<ITurnInbox, BlobTurnInbox>();
        services.AddSingleton<IOrgBudget, BlobOrgBudget>();
        services.AddSingleton<ITurnsInFlight, BlobTurnsInFlight>();
        services.AddSingleton<LoadMonitor>();
        services.AddSingleton<ILoadState>(sp => sp.GetRequiredService<LoadMonitor>());
        services.AddHostedService(sp => sp.GetRequiredService<LoadMonitor>());

        services.AddHttpClient(ProviderClients.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<TokenCounter>();
        services.TryAddSingleton<IAzureCredentials, DefaultAzureCredentials>();
        services.TryAddSingleton<IProviderClients, ProviderClients>();
        services.AddSingleton<ModelRouter>();
        services.AddSingleton<RecordingModelGateway>();
        services.AddSingleton<ReplaySource>();
        services.AddSingleton<ReplayTools>();
        services.AddSingleton<IModelGateway, ReplayingModelGateway>();

        services.AddCredentials(configuration);
        services.AddPublishing(configuration);

        services.AddSingleton<RepositoryWorkspace>();
        services.AddSingleton<WasmSandbox>();
        services.AddSingleton<IAgentTool, ListFilesTool>();
        services.AddSingleton<IAgentTool, ReadFileTool>();
        services.AddSingleton<IAgentTool, SearchCodeTool>();
        services.AddSingleton<IAgentTool, DraftPatchTool>();
        services.AddSingleton<IAgentTool, RunTestsTool>();
        services.AddSingleton<IAgentTool, OpenPullRequestTool>();
        services.AddSingleton<BrowserBroker>();
        services.AddSingleton<IBrowserFacts>(sp => sp.GetRequiredService<BrowserBroker>());
        if (configuration.GetSection(BrowserOptions.Section).Get<BrowserOptions>()?.Enabled == true)
        {
            foreach (string name in BrowserTool.Names)
            {
                services.AddSingleton<IAgentTool>(sp => BrowserTool.All(sp.GetRequiredService<BrowserBroker>(), sp.GetRequiredService<IOptions<BrowserOptions>>()).Single(t => t.Definition.Name == name));
            }
        }

        services.AddSingleton<ToolCatalog>();

        services.AddOptions<PolicyOptions>().Bind(configuration.GetSection(PolicyOptions.Section));
        services.AddSingleton<IPolicyStore, PolicyStore>();
        services.AddSingleton<PolicyEvaluator>();
        services.AddSingleton<ReadGuard>();
        services.AddHostedService<PolicyReloader>();
        services.AddSingleton<PolicyArchive>();
        services.AddHostedService<PolicyArchiver>();

        services.AddOptions<SlackOptions>().Bind(configuration.GetSection(SlackOptions.Section));
        services.AddHttpClient(SlackApi.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<SlackApi>();
        services.AddScoped<SlackInteractions>();
        if (configuration.GetSection(SlackOptions.Section).Get<SlackOptions>()?.IsConfigured == true)
        {
            services.TryAddSingleton<IApprovalNotifier, SlackApprovalNotifier>();
        }

        services.TryAddSingleton<IApprovalNotifier, LoggingApprovalNotifier>();
        services.AddAgentMemory(configuration);
        services.AddTransient<EvaluatePolicyActivity>();
        services.AddTransient<PlanTurnActivity>();
        services.AddTransient<RunStepActivity>();
        services.AddTransient<RequestApprovalActivity>();
        services.AddTransient<AppendEventsActivity>();
        services.AddTransient<SummarizeTurnActivity>();
        services.AddTransient<ResolveReplayApprovalActivity>();
        services.AddScoped<ReplayService>();
        services.AddScoped<SessionService>();

        // Last: it decorates the event log registered above.
        services.AddEventStream(configuration);
        return services;
    }

    /// <summary>One redactor (built-in detectors plus configured patterns) for every sink, and logs redacted for every provider.</summary>
    public static IServiceCollection AddAgentRedaction(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RedactionOptions>().Bind(configuration.GetSection(RedactionOptions.Section));
        services.TryAddSingleton(sp => new Redactor(sp.GetRequiredService<IOptions<RedactionOptions>>()));
        services.AddLogging();
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new RedactingLoggerFactory(
            new LoggerFactory(
                sp.GetServices<ILoggerProvider>(),
                sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
                sp.GetService<IOptions<LoggerFactoryOptions>>(),
                sp.GetService<IExternalScopeProvider>()),
            sp.GetRequiredService<Redactor>())));
        return services;
    }

    /// <summary>Registers the orchestrations and activities with the Durable Task SDK (the portable host).</summary>
    public static DurableTaskRegistry AddAgentTasks(this DurableTaskRegistry registry) =>
        registry
            .AddOrchestratorFunc<SessionState, SessionOutcome>(nameof(Session), (context, state) => Session.RunAsync(context, state))
            .AddOrchestratorFunc<TurnInput, TurnResult>(nameof(Turn), (context, input) => Turn.RunAsync(context, input))
            .AddActivity<RetrieveMemoryActivity>(ActivityNames.RetrieveMemory)
            .AddActivity<PlanTurnActivity>(ActivityNames.PlanTurn)
            .AddActivity<EvaluatePolicyActivity>(ActivityNames.EvaluatePolicy)
            .AddActivity<RunStepActivity>(ActivityNames.RunStep)
            .AddActivity<RequestApprovalActivity>(ActivityNames.RequestApproval)
            .AddActivity<AppendEventsActivity>(ActivityNames.AppendEvents)
            .AddActivity<SummarizeTurnActivity>(ActivityNames.SummarizeTurn)
            .AddActivity<ResolveReplayApprovalActivity>(ActivityNames.ResolveReplayApproval);
}
