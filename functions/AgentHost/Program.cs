using AgentHost;

WebApplication app = AgentHostApp.Build(args);
app.Run();
