using Agents.Core.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Tests;

/// <summary>
/// What an HTTP trigger gets from the Functions host, without the host: the app's services (as Program.cs adds them)
/// behind a <see cref="DefaultHttpContext"/>, and a real <see cref="DurableTaskClient"/> from the in-process engine.
/// </summary>
public sealed class TriggerHost : IAsyncLifetime
{
    DurableTaskTestHost? durable;

    public ServiceProvider Services { get; } = BuildServices();

    public DurableTaskClient Client => this.durable?.Client ?? throw new InvalidOperationException("The Durable test host has not started.");

    public async Task InitializeAsync() =>
        this.durable = await DurableTaskTestHost.StartAsync(tasks => tasks.AddAgentTasks());

    public async Task DisposeAsync()
    {
        if (this.durable is not null)
        {
            await this.durable.DisposeAsync();
        }

        await this.Services.DisposeAsync();
    }

    /// <summary>A request as the Functions ASP.NET Core integration hands it to a trigger.</summary>
    public HttpContext Request(string method, string path, string? json = null)
    {
        var context = new DefaultHttpContext { RequestServices = this.Services.CreateScope().ServiceProvider };
        context.Request.Method = method;
        context.Request.Path = path;
        if (json is not null)
        {
            byte[] body = System.Text.Encoding.UTF8.GetBytes(json);
            context.Request.ContentType = "application/json";
            context.Request.ContentLength = body.Length;
            context.Request.Body = new MemoryStream(body);
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    /// <summary>Runs a trigger's result as the Functions integration does, then reads back status, content type and body.</summary>
    public static async Task<(int Status, string? ContentType, string Body)> RespondAsync(HttpContext context, IActionResult result)
    {
        await result.ExecuteResultAsync(new ActionContext { HttpContext = context });
        context.Response.Body.Position = 0;
        using var reader = new StreamReader(context.Response.Body);
        return (context.Response.StatusCode, context.Response.ContentType, await reader.ReadToEndAsync());
    }

    static ServiceProvider BuildServices()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                // Validation errors return before any storage call, so nothing needs to listen here.
                ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            })
            .Build();

        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddAgentPlatform(configuration);
        services.AddProblemDetails();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }
}
