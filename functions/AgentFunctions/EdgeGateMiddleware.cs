using Agents.Edge.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AgentFunctions;

/// <summary>
/// The Functions app's gate: the same <see cref="EdgeGate"/> as the portable host's middleware, run before every
/// HTTP trigger. A refused request is answered here and its trigger never runs; other triggers pass untouched.
/// </summary>
public sealed class EdgeGateMiddleware(EdgeGate gate) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is { } http && await gate.AdmitAsync(http) is { } refusal)
        {
            await refusal.ExecuteAsync(http);
            return;
        }

        await next(context);
    }
}
