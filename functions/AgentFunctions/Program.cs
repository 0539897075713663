using AgentFunctions;
using Agents.Core.Hosting;
using Agents.Edge;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<EdgeGateMiddleware>();
builder.Services.AddAgentPlatform(builder.Configuration);
builder.Services.AddAgentEdge(builder.Configuration);

builder.Build().Run();
