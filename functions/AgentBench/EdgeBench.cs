using System.Diagnostics;
using System.Text;
using Agents.Core.Sessions;
using Agents.Edge;
using Agents.Edge.Auth;
using Agents.Edge.RateLimits;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentBench;

/// <summary>
/// The edge's own cost per API request, in process: bearer-token validation (RS256, issuer keys cached after the first
/// fetch from a loopback OIDC issuer), the per-user and per-org rate limits, and reading and validating a turn's JSON
/// body, on a <see cref="DefaultHttpContext"/> (no network, no handler after the edge).
/// </summary>
static class EdgeBench
{
    const int Users = 200;
    const int Orgs = 20;

    public static async Task<object> RunAsync(int requests = 50_000)
    {
        string folder = Directory.CreateTempSubdirectory("agent-bench-issuer-").FullName;
        string keyFile = Path.Combine(folder, "signing-keys.json");
        await using WebApplication issuerServer = await StartIssuerAsync(keyFile);
        string issuer = issuerServer.Urls.First().TrimEnd('/');

        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:Authority"] = issuer,
            ["Auth:RequireHttpsMetadata"] = "false",
            // Limits far above the request rate: every request is admitted, so what is measured is the limiter's cost, not its refusals.
            ["RateLimits:User:PermitLimit"] = "1000000",
            ["RateLimits:Org:PermitLimit"] = "1000000",
        }).Build();
        await using ServiceProvider services = new ServiceCollection().AddLogging().AddAgentEdge(configuration).BuildServiceProvider();
        BearerTokenValidator validator = services.GetRequiredService<BearerTokenValidator>();
        EdgeRateLimiter limiter = services.GetRequiredService<EdgeRateLimiter>();
        EdgeGate gate = services.GetRequiredService<EdgeGate>();

        var tokens = new DevTokenIssuer(DevSigningKeys.LoadOrCreate(keyFile), issuer);
        Caller[] callers = Enumerable.Range(0, Users).Select(i => new Caller($"user{i}", $"org{i % Orgs}", ["approver"])).ToArray();
        string[] headers = callers.Select(c => "Bearer " + tokens.Mint(c)).ToArray();
        byte[] body = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { input = Sample.Ticket }));

        var jwt = new List<double>(requests);
        var limits = new List<double>(requests);
        var edge = new List<double>(requests);
        for (int i = 0; i < 2_000; i++)
        {
            await OneAsync(i);
        }

        jwt.Clear();
        limits.Clear();
        edge.Clear();
        for (int i = 0; i < requests; i++)
        {
            await OneAsync(i);
        }

        Directory.Delete(folder, recursive: true);
        var figures = new
        {
            requests,
            users = Users,
            orgs = Orgs,
            bodyBytes = body.Length,
            jwtValidationUs = Figures(jwt),
            rateLimitUs = Figures(limits),
            edgeTotalUs = Figures(edge),
        };
        Console.WriteLine($"edge per request ({requests} requests, {Users} users in {Orgs} orgs, RS256 with cached keys, {body.Length} B turn body):");
        Console.WriteLine($"  JWT validation      p50 {figures.jwtValidationUs.P50} µs, p99 {figures.jwtValidationUs.P99} µs");
        Console.WriteLine($"  rate limits         p50 {figures.rateLimitUs.P50} µs, p99 {figures.rateLimitUs.P99} µs");
        Console.WriteLine($"  whole edge          p50 {figures.edgeTotalUs.P50} µs, p99 {figures.edgeTotalUs.P99} µs  (gate: token + limits, then the JSON body read and validated)");
        return figures;

        async Task OneAsync(int i)
        {
            string header = headers[i % headers.Length];
            long start = Stopwatch.GetTimestamp();
            Authentication auth = await validator.AuthenticateAsync(header);
            jwt.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            if (auth.Failure is { } failure)
            {
                throw new InvalidOperationException($"the bench's token was refused: {failure.Description}");
            }

            start = Stopwatch.GetTimestamp();
            RateLimitRefusal? refused = limiter.TryAcquire(auth.Caller!);
            limits.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            if (refused is not null)
            {
                throw new InvalidOperationException("the bench's request was rate limited");
            }

            DefaultHttpContext context = Request(header, body, services);
            start = Stopwatch.GetTimestamp();
            IResult? refusal = await gate.AdmitAsync(context);
            (SubmitTurnBody? turn, IResult? invalid) = await JsonBody.ReadAsync<SubmitTurnBody>(context.Request, 64 * 1024);
            edge.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            if (refusal is not null || invalid is not null || turn?.Input is null)
            {
                throw new InvalidOperationException("the bench's request did not pass the edge");
            }
        }
    }

    static DefaultHttpContext Request(string authorization, byte[] body, IServiceProvider services)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = "POST";
        context.Request.Path = "/api/sessions/bench/turns";
        context.Request.Headers.Authorization = authorization;
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body, writable: false);
        return context;
    }

    static Percentiles Figures(List<double> values)
    {
        values.Sort();
        return new Percentiles(Math.Round(Sample.Percentile(values, 0.5), 1), Math.Round(Sample.Percentile(values, 0.99), 1));
    }

    sealed record Percentiles(double P50, double P99);

    /// <summary>A loopback OIDC issuer (discovery and JWKS from the key file), as the portable host's dev issuer serves them.</summary>
    static async Task<WebApplication> StartIssuerAsync(string keyFile)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication app = builder.Build();
        string jwks = DevSigningKeys.LoadOrCreate(keyFile).PublicJwks();
        app.MapGet("/.well-known/openid-configuration", (HttpContext http) => Microsoft.AspNetCore.Http.Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = $"{http.Request.Scheme}://{http.Request.Host}",
            ["jwks_uri"] = $"{http.Request.Scheme}://{http.Request.Host}/jwks",
        }));
        app.MapGet("/jwks", () => Microsoft.AspNetCore.Http.Results.Text(jwks, "application/json"));
        await app.StartAsync();
        return app;
    }
}
