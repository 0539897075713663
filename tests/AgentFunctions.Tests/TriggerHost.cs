using Agents.Core.Hosting;
using Agents.Core.Sessions;
using Agents.Edge;
using Agents.Edge.Auth;
using Agents.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Tests;

/// <summary>
/// What an HTTP trigger gets from the Functions host, without the host: the app's services (as Program.cs adds them)
/// behind a <see cref="DefaultHttpContext"/>, a real <see cref="DurableTaskClient"/> from the in-process engine, and an
/// OIDC issuer on loopback whose tokens the app's gate (<see cref="EdgeGateMiddleware"/>) validates.
/// </summary>
public sealed class TriggerHost : IAsyncLifetime
{
    /// <summary>Who requests are made as unless a test says otherwise.</summary>
    public static readonly Caller Dana = new("dana", "contoso", ["approver"]);

    DurableTaskTestHost? durable;
    TestIssuer? issuer;

    public ServiceProvider Services { get; private set; } = null!;

    public TestIssuer Issuer => this.issuer ?? throw new InvalidOperationException("The test issuer has not started.");

    public DurableTaskClient Client => this.durable?.Client ?? throw new InvalidOperationException("The Durable test host has not started.");

    public async Task InitializeAsync()
    {
        this.issuer = await TestIssuer.StartAsync();
        this.Services = BuildServices(this.issuer.Issuer);
        this.durable = await DurableTaskTestHost.StartAsync(tasks => tasks.AddAgentTasks());
    }

    public async Task DisposeAsync()
    {
        if (this.durable is not null)
        {
            await this.durable.DisposeAsync();
        }

        await this.Services.DisposeAsync();
        if (this.issuer is not null)
        {
            await this.issuer.DisposeAsync();
        }
    }

    /// <summary>A request as the Functions ASP.NET Core integration hands it to a trigger, with a bearer token for <paramref name="who"/> (none when null).</summary>
    public HttpContext Request(string method, string path, string? json = null, Caller? who = null, bool anonymous = false)
    {
        var context = new DefaultHttpContext { RequestServices = this.Services.CreateScope().ServiceProvider };
        context.Request.Method = method;
        context.Request.Path = path;
        if (!anonymous)
        {
            context.Request.Headers.Authorization = "Bearer " + this.Issuer.Mint(who ?? Dana);
        }

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

    /// <summary>
    /// Runs an invocation as the Functions worker does: the app's middleware (the edge gate) first, then, if it lets the
    /// request through, the trigger and its result; reads back status, content type and body, and whether the trigger ran.
    /// </summary>
    public async Task<(int Status, string? ContentType, string Body, bool TriggerRan)> InvokeAsync(HttpContext context, Func<Task<IActionResult>> trigger)
    {
        bool ran = false;
        var middleware = new EdgeGateMiddleware(this.Services.GetRequiredService<EdgeGate>());
        await middleware.Invoke(new HttpFunctionContext(context), async _ =>
        {
            ran = true;
            await (await trigger()).ExecuteResultAsync(new ActionContext { HttpContext = context });
        });
        (int status, string? contentType, string body) = await ReadAsync(context);
        return (status, contentType, body, ran);
    }

    static async Task<(int Status, string? ContentType, string Body)> ReadAsync(HttpContext context)
    {
        context.Response.Body.Position = 0;
        using var reader = new StreamReader(context.Response.Body);
        return (context.Response.StatusCode, context.Response.ContentType, await reader.ReadToEndAsync());
    }

    static ServiceProvider BuildServices(string issuer)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                // Validation errors return before any storage call, so nothing needs to listen here.
                ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
                ["Auth:Authority"] = issuer,
                ["Auth:RequireHttpsMetadata"] = "false",
            })
            .Build();

        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddAgentPlatform(configuration);
        services.AddAgentEdge(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }
}

/// <summary>
/// The parts of a Functions invocation the gate reads: the HttpContext the ASP.NET Core integration puts in
/// <see cref="FunctionContext.Items"/> (where <c>GetHttpContext()</c> finds it).
/// </summary>
sealed class HttpFunctionContext(HttpContext http) : FunctionContext
{
    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId { get; } = "test";

    public override TraceContext TraceContext => throw new NotSupportedException();

    public override BindingContext BindingContext => throw new NotSupportedException();

    public override RetryContext RetryContext => throw new NotSupportedException();

    public override IServiceProvider InstanceServices { get; set; } = http.RequestServices;

    public override FunctionDefinition FunctionDefinition => throw new NotSupportedException();

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object> { ["HttpRequestContext"] = http };

    public override Microsoft.Azure.Functions.Worker.IInvocationFeatures Features => throw new NotSupportedException();

    public override CancellationToken CancellationToken => http.RequestAborted;
}
