using Agents.Core.Contracts;
using Microsoft.Extensions.Logging;

namespace Agents.Core.Activities;

/// <summary>Tells humans an approval is waiting, and updates that notice with the outcome.</summary>
public interface IApprovalNotifier
{
    /// <summary>Posts the request; returns where it was posted when it can be updated later.</summary>
    Task<ApprovalNotice?> NotifyAsync(RequestApprovalRequest request, CancellationToken cancellationToken);

    Task CloseAsync(CloseApproval close, CancellationToken cancellationToken);
}

/// <summary>Without Slack configured: the request is in the log, the API and the command-line client, and logged here.</summary>
public sealed partial class LoggingApprovalNotifier(ILogger<LoggingApprovalNotifier> logger) : IApprovalNotifier
{
    public Task<ApprovalNotice?> NotifyAsync(RequestApprovalRequest request, CancellationToken cancellationToken)
    {
        this.LogWaiting(request.Session.SessionId, request.Turn, request.Approval.ApprovalId, string.Join(", ", request.Approval.Steps), request.Approval.ExpiresAt);
        return Task.FromResult<ApprovalNotice?>(null);
    }

    public Task CloseAsync(CloseApproval close, CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Approval needed: session {SessionId} turn {Turn} ({ApprovalId}) for steps {Steps}; expires {ExpiresAt:u}")]
    partial void LogWaiting(string sessionId, int turn, string approvalId, string steps, DateTime expiresAt);
}
