using Microsoft.Extensions.Configuration;

namespace PeerBot.Cli;

/// <summary>Where configuration comes from, lowest precedence first.</summary>
internal static class ConfigSources
{
    /// <summary>
    /// appsettings.json (next to the program), appsettings.{Environment}.json, the <c>--config</c> file,
    /// user secrets, then environment variables (<c>PeerBot__Discord__Token</c>).
    /// </summary>
    public static void Add(IConfigurationBuilder builder, string? configFile, string environmentName)
    {
        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false)
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, $"appsettings.{environmentName}.json"), optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }

        builder.AddUserSecrets(typeof(ConfigSources).Assembly, optional: true, reloadOnChange: false)
            .AddEnvironmentVariables();
    }

    /// <summary>Builds the configuration alone (for the offline verbs); a missing or malformed file is an error message.</summary>
    public static (IConfigurationRoot? Configuration, string? Error) Build(string? configFile, string environmentName)
    {
        if (configFile is not null && !File.Exists(configFile))
        {
            return (null, $"--config: no file at '{Path.GetFullPath(configFile)}'");
        }

        try
        {
            var builder = new ConfigurationBuilder();
            Add(builder, configFile, environmentName);
            return (builder.Build(), null);
        }
        catch (InvalidDataException ex)
        {
            return (null, $"configuration file is not valid JSON: {ex.Message} {ex.InnerException?.Message}".TrimEnd());
        }
        catch (FormatException ex)
        {
            return (null, $"configuration file is not valid JSON: {ex.Message}");
        }
    }

    public static string EnvironmentName() =>
        Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production";
}
