using System.Text.Json;

namespace AgentFunctions.Tests;

/// <summary>The AgentFunctions build output the test project copies into <c>functions-app/</c> (see the csproj).</summary>
static class FunctionsAppOutput
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "functions-app");

    public static JsonDocument Read(string fileName)
    {
        string path = Path.Combine(Folder, fileName);
        Assert.True(File.Exists(path),
            $"{path} is missing: the AgentFunctions build should produce {fileName} and AgentFunctions.Tests.csproj (target CopyFunctionsAppOutput) copies it here. Rebuild the test project.");
        return JsonDocument.Parse(File.ReadAllText(path));
    }
}
