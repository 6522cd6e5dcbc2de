using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace PeerBot.Testing.Hosting;

/// <summary>
/// The lifetime of a host a test starts and stops itself. The default console lifetime hooks the process's exit, Ctrl-C
/// and SIGTERM for every host built, including hosts a failing test never disposed; a test host needs none of that.
/// This one hooks nothing.
/// </summary>
public sealed class TestLifetime : IHostLifetime
{
    /// <inheritdoc />
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Registers <see cref="TestLifetime"/> in place of the console lifetime.</summary>
public static class TestLifetimeRegistration
{
    /// <summary>Replaces whatever lifetime the builder registered with <see cref="TestLifetime"/>.</summary>
    public static IServiceCollection AddTestLifetime(this IServiceCollection services)
    {
        services.RemoveAll<IHostLifetime>();
        services.AddSingleton<IHostLifetime, TestLifetime>();
        return services;
    }
}

/// <summary>Tearing down what a harness started when starting it failed half-way.</summary>
public static class HostShutdown
{
    /// <summary>
    /// Stops and disposes the host, then disposes the rest (emulators), each within a bound and whatever it throws: the
    /// start's own failure is the one the test reports.
    /// </summary>
    public static async Task StopQuietlyAsync(IHost host, params IAsyncDisposable[] rest)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(rest);
        try
        {
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await host.StopAsync(bounded.Token);
        }
        catch (Exception)
        {
            // Reported by the start's failure.
        }
        finally
        {
            host.Dispose();
        }

        foreach (var disposable in rest)
        {
            try
            {
                await disposable.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception)
            {
                // As above.
            }
        }
    }
}
