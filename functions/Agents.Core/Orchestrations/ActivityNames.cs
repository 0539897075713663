namespace Agents.Core.Orchestrations;

/// <summary>
/// Durable names of the activities. The classes are named <c>XxxActivity</c> (the Durable analyzers crash when a
/// class and its Functions name are the same), so the names live here, each from <c>nameof</c>.
/// </summary>
public static class ActivityNames
{
    public const string RetrieveMemory = nameof(RetrieveMemory);
    public const string PlanTurn = nameof(PlanTurn);
    public const string EvaluatePolicy = nameof(EvaluatePolicy);
    public const string RunStep = nameof(RunStep);
    public const string RequestApproval = nameof(RequestApproval);
    public const string AppendEvents = nameof(AppendEvents);
    public const string SummarizeTurn = nameof(SummarizeTurn);
    public const string ResolveReplayApproval = nameof(ResolveReplayApproval);
}
