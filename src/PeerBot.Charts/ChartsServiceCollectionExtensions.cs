using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PeerBot.Core.Digest;

namespace PeerBot.Charts;

/// <summary>Registration of the digest's chart renderer.</summary>
public static class ChartsServiceCollectionExtensions
{
    /// <summary>Registers <see cref="ScottPlotDigestChartRenderer"/> as the <see cref="IDigestChartRenderer"/>.</summary>
    public static IServiceCollection AddDigestCharts(this IServiceCollection services)
    {
        services.TryAddSingleton<IDigestChartRenderer, ScottPlotDigestChartRenderer>();
        return services;
    }
}
