using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Agents.Core.Contracts;
using Agents.Core.Load;
using Agents.Core.Redaction;
using Agents.Core.Telemetry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Agents.Core.Models;

/// <summary>Who is calling and what they may spend: the router's inputs besides the prompt.</summary>
/// <param name="Scope">Prefix of the call's event ids (deterministic, so a retried activity logs nothing twice).</param>
public sealed record ModelCallContext(SessionMetadata Session, int Turn, int Revision, string Scope, TokenAllotment Allotment)
{
    public string? Step { get; init; }

    /// <summary>In a replay: this call is at or after the fork point, so it goes to a live model.</summary>
    public bool ReplayLive { get; init; }
}

/// <summary>A model call as the pipeline asks for it: what for, which tier, the messages, the output cap and contract.</summary>
public sealed record ModelRequest(string Purpose, ModelTier Tier, IReadOnlyList<ChatMessage> Messages, int MaxOutputTokens, ModelCallContext Context)
{
    /// <summary>When set, the answer must be JSON satisfying it; it is repaired by re-prompting, or the call fails.</summary>
    public OutputContract? Output { get; init; }

    /// <summary>Raises the session's data sensitivity for this call (for example after reading PII-tagged data).</summary>
    public DataSensitivity? Sensitivity { get; init; }
}

public sealed record ModelResponse(string Text, ModelCallInfo Info)
{
    /// <summary>The validated answer when the request had an output contract.</summary>
    public JsonElement? Json { get; init; }

    /// <summary>The router's events for this call (decisions, failovers, rejections, calls), for the caller to log.</summary>
    public IReadOnlyList<EventDraft> Events { get; init; } = [];
}

/// <summary>Every model call goes through here.</summary>
public interface IModelGateway
{
    Task<ModelResponse> CompleteAsync(ModelRequest request, CancellationToken cancellationToken = default);
}

/// <summary>
/// The model router. For each call: pick the tier (explicit escalation; down a tier under budget backoff or load),
/// keep the candidates cleared for the data's sensitivity, count the prompt and reserve it plus the output cap against
/// the caller's allotment (refused before sending when it does not fit), try candidates in order (retries with jitter
/// honouring Retry-After, a circuit breaker per candidate, a time limit per attempt and per call), validate structured
/// answers and re-prompt with the error and a smaller output budget, then settle on the provider's reported usage.
/// Every routing decision, failover, rejection and call is an event, returned to the caller (on the response or the
/// exception) to append with its own: the router does no I/O but the model calls.
/// </summary>
public sealed class ModelRouter(
    IProviderClients clients,
    TokenCounter tokens,
    ILoadState load,
    IOptions<ModelOptions> options,
    TimeProvider clock,
    Redactor? redactor = null) : IModelGateway
{
    readonly Redactor credentials = redactor ?? Redactor.Default;

    /// <summary>Below this many output tokens a call is not worth making.</summary>
    public const int MinimumOutputTokens = 32;

    readonly ConcurrentDictionary<string, ResiliencePipeline> pipelines = new(StringComparer.Ordinal);

    ModelOptions Settings => options.Value;

    public async Task<ModelResponse> CompleteAsync(ModelRequest request, CancellationToken cancellationToken = default)
    {
        var log = new List<EventDraft>();
        try
        {
            return await this.RouteAsync(request, request.Context, log, cancellationToken).ConfigureAwait(false) with { Events = log };
        }
        catch (ModelCallException e)
        {
            e.Events = log;
            throw;
        }
    }

    async Task<ModelResponse> RouteAsync(ModelRequest request, ModelCallContext context, List<EventDraft> log, CancellationToken cancellationToken)
    {
        ModelTier tier = request.Tier;
        int degradeLevel = load.Current.Level;
        if (tier == ModelTier.Frontier && (context.Allotment.Backoff || degradeLevel >= 1))
        {
            tier = ModelTier.Small;
            string why = context.Allotment.Backoff
                ? $"session has used {BudgetLimits.BackoffShare:P0} or more of its token cap"
                : $"degrade level {degradeLevel}";
            log.Add(this.Event(context, request.Purpose, "routed", "model.routed", $"frontier → small: {why}") with
            {
                Decision = "downgrade",
                Inputs = new Dictionary<string, string> { ["asked"] = request.Tier.Snake(), ["degradeLevel"] = degradeLevel.ToString() },
                Outputs = new Dictionary<string, string> { ["tier"] = tier.Snake() },
            });
        }

        DataSensitivity sensitivity = (DataSensitivity)Math.Max((int)context.Session.Sensitivity, (int)(request.Sensitivity ?? context.Session.Sensitivity));
        // Files read and test output reach prompts verbatim: no credential in them may leave for a model provider.
        var messages = request.Messages.Select(this.WithoutCredentials).ToList();
        int promptTokens = tokens.Count(Text(messages));
        var candidates = this.Settings.CandidatesFor(tier)
            .Where(c => c.MaxSensitivity >= sensitivity && c.ContextTokens >= promptTokens + MinimumOutputTokens)
            .ToList();
        if (candidates.Count == 0)
        {
            string reason = $"no {tier.Snake()} model is cleared for {sensitivity.Snake()} data with a {promptTokens}-token prompt " +
                $"(candidates: {string.Join(", ", this.Settings.CandidatesFor(tier).Select(c => $"{c} up to {c.MaxSensitivity.Snake()}, {c.ContextTokens} tokens"))})";
            log.Add(this.Event(context, request.Purpose, "refused", "model.refused", reason) with { Decision = "refused" });
            throw new ModelCallRefusedException(RefusalKind.NoEligibleProvider, reason);
        }

        int maxOutput = request.MaxOutputTokens;
        var spent = TokenUsage.Zero;
        int counted = 0, calls = 0;
        decimal cost = 0;
        long latency = 0;
        string model = string.Empty, provider = string.Empty;
        ModelCallInfo? Spent() => calls == 0 ? null
            : new ModelCallInfo(provider, model, spent, latency, cost) { CountedInputTokens = counted, Calls = calls, Tier = tier.Snake() };
        for (int attempt = 0; ; attempt++)
        {
            if (attempt > 0)
            {
                promptTokens = tokens.Count(Text(messages)); // the repair added the bad answer and the error
            }

            int outputCap = Math.Min(maxOutput, context.Allotment.OutputTokens - spent.OutputTokens);
            int inputLeft = context.Allotment.InputTokens - spent.InputTokens;
            if (promptTokens > inputLeft || outputCap < MinimumOutputTokens)
            {
                string reason = $"the {request.Purpose} call needs {promptTokens} input and at least {MinimumOutputTokens} output tokens; " +
                    $"this step's allotment has {inputLeft} input and {context.Allotment.OutputTokens - spent.OutputTokens} output tokens left " +
                    $"(turn caps {context.Session.Limits.TurnInputTokens} in + {context.Session.Limits.TurnOutputTokens} out, session cap {context.Session.Limits.SessionTokens})";
                log.Add(this.Event(context, request.Purpose, $"a{attempt}/refused", "budget.refused", reason) with { Decision = "refused" });
                throw new ModelCallRefusedException(RefusalKind.BudgetExceeded, reason) { Spent = Spent() };
            }

            ChatResponse response;
            CandidateOptions used;
            long ms;
            using Activity? span = this.StartChatSpan(candidates[0], request, tier, outputCap, attempt);
            try
            {
                (response, used, ms) = await this.CallAsync(candidates, messages, outputCap, request, context, attempt, log, span, cancellationToken).ConfigureAwait(false);
            }
            catch (ModelUnavailableException unavailable)
            {
                span?.SetStatus(ActivityStatusCode.Error, unavailable.Message);
                span?.SetTag(SpanAttributes.ErrorType, unavailable.InnerException?.GetType().Name ?? nameof(ModelUnavailableException));
                if (spent.Total > 0)
                {
                    throw new ModelUnavailableException(unavailable.Message, unavailable.InnerException) { Spent = Spent() };
                }

                throw;
            }

            int input = (int?)response.Usage?.InputTokenCount ?? promptTokens;
            int output = (int?)response.Usage?.OutputTokenCount ?? tokens.Count(response.Text);
            var usage = new TokenUsage(input, output);
            decimal callCost = Price(used, usage);
            spent += usage;
            counted += promptTokens;
            calls++;
            cost += callCost;
            latency += ms;
            model = response.ModelId ?? used.Model;
            provider = used.Provider;
            AgentTelemetry.Tokens.Add(input, new("gen_ai.request.model", used.Model), new("direction", "input"));
            AgentTelemetry.Tokens.Add(output, new("gen_ai.request.model", used.Model), new("direction", "output"));
            AgentTelemetry.Cost.Add((double)callCost, new KeyValuePair<string, object?>("gen_ai.request.model", used.Model));
            AgentTelemetry.RecordStage(Stages.ModelCall, ms);
            if (span is not null)
            {
                span.SetTag(SpanAttributes.ResponseModel, model);
                span.SetTag(SpanAttributes.ProviderName, ProviderName(used));
                span.SetTag(SpanAttributes.System, ProviderName(used));
                span.SetTag(SpanAttributes.InputTokens, input);
                span.SetTag(SpanAttributes.OutputTokens, output);
                span.SetTag(SpanAttributes.FinishReasons, new[] { response.FinishReason?.Value ?? "unknown" });
                span.SetTag(SpanAttributes.CostUsd, (double)callCost);
            }
            log.Add(this.Event(context, request.Purpose, $"a{attempt}/called", EventTypes.ModelCalled, $"{request.Purpose} by {model} ({used.Provider})") with
            {
                Model = model,
                Tokens = usage,
                CostUsd = callCost,
                LatencyMs = ms,
                RawResponse = response.Text,
                Inputs = new Dictionary<string, string>
                {
                    ["purpose"] = request.Purpose,
                    ["tier"] = tier.Snake(),
                    ["provider"] = used.Provider,
                    ["sensitivity"] = sensitivity.Snake(),
                    ["countedInputTokens"] = promptTokens.ToString(),
                    ["maxOutputTokens"] = outputCap.ToString(),
                },
            });

            ModelCallInfo info = Spent()!;
            if (request.Output is null)
            {
                return new ModelResponse(response.Text, info);
            }

            string? invalid = request.Output.Validate(response.Text, out JsonElement json);
            if (invalid is null)
            {
                return new ModelResponse(response.Text, info) { Json = json };
            }

            if (response.FinishReason == ChatFinishReason.Length)
            {
                invalid = $"the answer was cut at its {outputCap}-token output cap (finish reason length): {invalid}";
            }

            log.Add(this.Event(context, request.Purpose, $"a{attempt}/rejected", "model.output_rejected", invalid) with { Decision = "rejected", Model = model });
            if (attempt >= this.Settings.MaxRepairs)
            {
                throw new ModelOutputInvalidException(
                    $"the model's {request.Output.Name} was still invalid after {attempt + 1} attempt(s): {invalid}") { Spent = info };
            }

            // Repair: show the model its answer and what is wrong with it, and give it less room this time.
            messages.Add(new ChatMessage(ChatRole.Assistant, response.Text));
            messages.Add(new ChatMessage(ChatRole.User,
                $"That answer is invalid: {invalid}. Reply again with only one JSON object that satisfies the {request.Output.Name} schema."));
            maxOutput = Math.Max(MinimumOutputTokens, (int)(outputCap * this.Settings.RepairOutputFactor));
        }
    }

    ChatMessage WithoutCredentials(ChatMessage message)
    {
        string text = message.Text;
        string scrubbed = this.credentials.RedactCredentials(text);
        return scrubbed == text ? message : new ChatMessage(message.Role, scrubbed);
    }

    async Task<(ChatResponse Response, CandidateOptions Candidate, long LatencyMs)> CallAsync(
        IReadOnlyList<CandidateOptions> candidates,
        List<ChatMessage> messages,
        int outputCap,
        ModelRequest request,
        ModelCallContext context,
        int attempt,
        List<EventDraft> log,
        Activity? span,
        CancellationToken cancellationToken)
    {
        int failovers = 0;
        void Failover(string from, string reason, string to)
        {
            failovers++;
            span?.SetTag(SpanAttributes.Failovers, failovers);
            span?.AddEvent(new ActivityEvent("gen_ai.failover", tags: new ActivityTagsCollection
            {
                ["from"] = from,
                ["reason"] = reason,
                ["to"] = to,
            }));
        }

        using var callLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        callLimit.CancelAfter(TimeSpan.FromSeconds(this.Settings.Resilience.CallTimeoutSeconds));
        Exception? last = null;
        for (int i = 0; i < candidates.Count; i++)
        {
            CandidateOptions candidate = candidates[i];
            var chatOptions = new ChatOptions
            {
                ModelId = candidate.DeploymentName,
                MaxOutputTokens = outputCap,
                Temperature = 0,
                ResponseFormat = request.Output is null ? ChatResponseFormat.Text
                    : candidate.StructuredOutputs ? ChatResponseFormat.ForJsonSchema(request.Output.SchemaElement, request.Output.Name)
                    : ChatResponseFormat.Json,
            };
            long started = Stopwatch.GetTimestamp();
            try
            {
                IChatClient client = clients.For(candidate);
                ChatResponse response = await this.PipelineFor(candidate).ExecuteAsync(
                    async token => await client.GetResponseAsync(messages, chatOptions, token).ConfigureAwait(false),
                    callLimit.Token).ConfigureAwait(false);
                return (response, candidate, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (Exception e) when (!ModelFailures.IsFailover(e) && e is not OperationCanceledException)
            {
                // Not a transient fault: the request itself is unacceptable to this provider (a 4xx, no recording...).
                log.Add(this.Event(context, request.Purpose, $"a{attempt}/failed/{i}", "model.failed", $"{candidate} refused the request: {e.Message}") with
                {
                    Decision = "failed",
                });
                throw new ModelUnavailableException($"{candidate} refused the {request.Purpose} call: {e.Message}", e);
            }
            catch (OperationCanceledException e) when (callLimit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // The call's own time limit ran out during an attempt: no time left for another candidate.
                last = e;
                Failover(candidate.ToString(), "call_time_limit", "none");
                log.Add(this.Event(context, request.Purpose, $"a{attempt}/failover/{i}", "model.failover", $"{candidate} did not answer within the call's time limit") with
                {
                    Decision = "failover",
                    Inputs = new Dictionary<string, string> { ["from"] = candidate.ToString(), ["reason"] = "call_time_limit" },
                });
                break;
            }
            catch (Exception e) when (ModelFailures.IsFailover(e) && !cancellationToken.IsCancellationRequested)
            {
                last = e;
                string next = i + 1 < candidates.Count ? candidates[i + 1].ToString() : "none left";
                Failover(candidate.ToString(), ModelFailures.Classify(e).Snake(), next);
                log.Add(this.Event(context, request.Purpose, $"a{attempt}/failover/{i}", "model.failover", $"{candidate} failed ({ModelFailures.Describe(e)}); next: {next}") with
                {
                    Decision = "failover",
                    Inputs = new Dictionary<string, string> { ["from"] = candidate.ToString(), ["reason"] = ModelFailures.Classify(e).Snake() },
                    Outputs = new Dictionary<string, string> { ["to"] = next },
                });
                if (callLimit.IsCancellationRequested)
                {
                    break;
                }
            }
        }

        throw new ModelUnavailableException(
            $"no {request.Tier.Snake()} model answered the {request.Purpose} call: {(last is null ? "no candidate" : ModelFailures.Describe(last))}" +
            (callLimit.IsCancellationRequested && !cancellationToken.IsCancellationRequested ? $" (call time limit {this.Settings.Resilience.CallTimeoutSeconds} s)" : string.Empty),
            last);
    }

    /// <summary>Per candidate: retries with jitter (waiting out a short Retry-After, failing over on a long one), a circuit breaker, a per-attempt timeout.</summary>
    ResiliencePipeline PipelineFor(CandidateOptions candidate) => this.pipelines.GetOrAdd(candidate.ToString(), _ =>
    {
        ResilienceSettings r = this.Settings.Resilience;
        TimeSpan maxRetryAfter = TimeSpan.FromSeconds(r.MaxRetryAfterSeconds);
        return new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, r.MaxRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(r.BaseDelaySeconds),
                ShouldHandle = args => ValueTask.FromResult(
                    r.MaxRetries > 0 && args.Outcome.Exception is { } e && ModelFailures.IsRetryable(e)
                    && (ModelFailures.RetryAfter(e) ?? TimeSpan.Zero) <= maxRetryAfter),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is { } e ? ModelFailures.RetryAfter(e) : null),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = r.BreakerFailureRatio,
                MinimumThroughput = Math.Max(2, r.BreakerMinimumThroughput),
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(0.5, r.BreakerSamplingSeconds)),
                BreakDuration = TimeSpan.FromSeconds(Math.Max(0.5, r.BreakDurationSeconds)),
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && ModelFailures.IsRetryable(e)),
            })
            .AddTimeout(TimeSpan.FromSeconds(r.AttemptTimeoutSeconds))
            .Build();
    });

    /// <summary>One span per attempt (a repair is a new attempt): <c>chat {model}</c> with the GenAI attributes; failovers are its events.</summary>
    Activity? StartChatSpan(CandidateOptions first, ModelRequest request, ModelTier tier, int outputCap, int attempt)
    {
        Activity? span = AgentTelemetry.Source.StartActivity($"chat {first.Model}", ActivityKind.Client);
        if (span is null)
        {
            return null;
        }

        span.SetTag(SpanAttributes.OperationName, "chat");
        span.SetTag(SpanAttributes.RequestModel, first.Model);
        span.SetTag(SpanAttributes.ProviderName, ProviderName(first));
        span.SetTag(SpanAttributes.System, ProviderName(first));
        span.SetTag(SpanAttributes.RequestMaxTokens, outputCap);
        span.SetTag(SpanAttributes.Purpose, request.Purpose);
        span.SetTag(SpanAttributes.Tier, tier.Snake());
        span.SetTag(SpanAttributes.Attempts, attempt + 1);
        span.SetTag(SpanAttributes.SessionId, request.Context.Session.SessionId);
        span.SetTag(SpanAttributes.Turn, request.Context.Turn);
        if (request.Context.Step is { } step)
        {
            span.SetTag(SpanAttributes.Step, step);
        }

        return span;
    }

    /// <summary>The GenAI convention's provider names (<c>gen_ai.provider.name</c>).</summary>
    string ProviderName(CandidateOptions candidate) =>
        this.Settings.EffectiveProviders.TryGetValue(candidate.Provider, out ProviderOptions? provider)
            ? provider.Kind switch
            {
                ModelProviderKind.AzureOpenAI => "azure.ai.openai",
                ModelProviderKind.OpenAICompatible => "openai",
                _ => "offline",
            }
            : candidate.Provider;

    EventDraft Event(ModelCallContext context, string purpose, string suffix, string type, string summary) =>
        new($"{context.Scope}/model/{purpose}/{suffix}", type, context.Session.SessionId, summary)
        {
            Turn = context.Turn,
            Revision = context.Revision,
            Step = context.Step,
            Time = clock.GetUtcNow().UtcDateTime,
        };

    static decimal Price(CandidateOptions candidate, TokenUsage usage) =>
        ((usage.InputTokens * candidate.InputPricePerMillion) + (usage.OutputTokens * candidate.OutputPricePerMillion)) / 1_000_000m;

    static string Text(IEnumerable<ChatMessage> messages) => string.Join("\n", messages.Select(m => m.Text));
}
