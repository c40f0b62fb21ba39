using System;
using System.Diagnostics;
using System.IO;
using static TorchSharp.torch;

namespace Ddf.Bench;

/// <summary>Median wall-clock times: after warm-up runs (which let the heap and JIT settle), or of a loop as a user writes it.</summary>
internal static class Measure
{
    public static double MedianMilliseconds(Action action, int warmups, int runs, Action<double[]>? onRuns = null)
    {
        for (int i = 0; i < warmups; i++)
            action();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        onRuns?.Invoke(times);
        return Median(times);
    }

    /// <summary>Calls in a steady loop: the last calls' median and how much resident memory the loop added.</summary>
    public const int SteadyCalls = 12;

    /// <summary>
    /// <see cref="SteadyCalls"/> calls of <paramref name="call"/> the way an inference loop makes them, with nothing
    /// primed first: each in its own dispose scope, its output dropped with it. Returns the median of calls 7-12 and
    /// the resident memory gained from before call 3 to after call 12 (no collection in between, as in a user's loop).
    /// </summary>
    public static (double MedianMs, double GrowthMiB) SteadyLoop(Func<Tensor> call, Action<double[]>? onCalls = null)
    {
        var times = new double[SteadyCalls];
        long before = 0;
        for (int i = 0; i < SteadyCalls; i++)
        {
            if (i == 2)
                before = ResidentBytes();
            var clock = Stopwatch.StartNew();
            using (NewDisposeScope())
                call();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        double growth = (ResidentBytes() - before) / (double)(1 << 20);
        onCalls?.Invoke(times);
        return (Median(times[6..]), growth);
    }

    private static double Median(double[] times)
    {
        var sorted = (double[])times.Clone();
        Array.Sort(sorted);
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    // /proc/self/statm: size and resident pages.
    private static long ResidentBytes() => long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1]) * Environment.SystemPageSize;
}
