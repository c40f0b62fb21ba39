using System.Linq;
using Ddf.Cli.Mnist;
using ScottPlot;

namespace Ddf.Cli;

/// <summary>PNG charts of what the commands did, for a person who would rather look than read.</summary>
internal static class Charts
{
    /// <summary>Training loss per step and test accuracy per epoch of each network.</summary>
    public static void Training(string path, string[] names, MnistTrainer.Result[] results)
    {
        var plot = new Plot();
        plot.Title("MNIST: training loss (left) and test accuracy after each epoch (right)");
        plot.XLabel("epoch");
        plot.YLabel("cross-entropy loss");
        for (int i = 0; i < results.Length; i++)
        {
            var r = results[i];
            double stepsPerEpoch = (double)r.Losses.Count / r.EpochAccuracies.Count;
            var loss = plot.Add.Scatter(r.Losses.Select((_, s) => s / stepsPerEpoch).ToArray(), Smooth(r.Losses.ToArray(), 10));
            loss.LegendText = $"{names[i]} loss";
            loss.MarkerSize = 0;
            var accuracy = plot.Add.Scatter(r.EpochAccuracies.Select((_, e) => e + 1.0).ToArray(), r.EpochAccuracies.Select(a => a * 100).ToArray());
            accuracy.LegendText = $"{names[i]} test accuracy (%)";
            accuracy.Axes.YAxis = plot.Axes.Right;
        }
        plot.Axes.Right.Label.Text = "test accuracy (%)";
        plot.ShowLegend(Alignment.MiddleRight);
        plot.SavePng(path, 1000, 600);
    }

    /// <summary>Mean over a trailing window, so the step-to-step noise does not hide the trend.</summary>
    private static double[] Smooth(double[] values, int window) =>
        values.Select((_, i) => values.Skip(System.Math.Max(0, i - window + 1)).Take(System.Math.Min(window, i + 1)).Average()).ToArray();

    /// <summary>Depth maps side by side (each normalised to the same colour range).</summary>
    public static void DepthPanels(string path, (string Title, double[,] Values)[] panels)
    {
        var plot = new Plot();
        plot.Title(string.Join("  |  ", panels.Select(p => p.Title)));
        double x = 0;
        foreach (var (_, values) in panels)
        {
            var map = plot.Add.Heatmap(values);
            map.Colormap = new ScottPlot.Colormaps.Viridis();
            map.ManualRange = new Range(0, 1);
            map.Extent = new CoordinateRect(x, x + 1, 0, 1);
            x += 1.05;
        }
        plot.Axes.SetLimits(0, x, 0, 1);
        plot.HideGrid();
        plot.SavePng(path, 300 * panels.Length, 360);
    }
}
