using System;
using System.Diagnostics;
using System.Linq;

namespace Ddf.Bench;

/// <summary>Median wall-clock time of an action after warm-up runs (which let the heap and JIT settle).</summary>
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
        Array.Sort(times);
        return runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
    }
}
