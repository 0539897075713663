using Agents.Core.Contracts;
using Microsoft.Extensions.Logging;

namespace Agents.Core.Activities;

/// <summary>Tells humans an approval is waiting. The Slack issue adds a Block Kit notifier; locally it is logged.</summary>
public interface IApprovalNotifier
{
    Task NotifyAsync(RequestApprovalRequest request, CancellationToken cancellationToken);
}

public sealed partial class LoggingApprovalNotifier(ILogger<LoggingApprovalNotifier> logger) : IApprovalNotifier
{
    public Task NotifyAsync(RequestApprovalRequest request, CancellationToken cancellationToken)
    {
        this.LogWaiting(request.Session.SessionId, request.Turn, request.Approval.ApprovalId, string.Join(", ", request.Approval.Steps), request.Approval.ExpiresAt);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Approval needed: session {SessionId} turn {Turn} ({ApprovalId}) for steps {Steps}; expires {ExpiresAt:u}")]
    partial void LogWaiting(string sessionId, int turn, string approvalId, string steps, DateTime expiresAt);
}
