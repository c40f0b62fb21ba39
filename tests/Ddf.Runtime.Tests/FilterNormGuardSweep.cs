using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using Ddf.KernelChecks;

namespace Ddf.Runtime.Tests;

/// <summary>
/// The guard-page sweep of <see cref="FilterNormKernels"/>: forward and backward with input, upstream gradient and
/// output each against a guard page after its end, then before its start, compared with <see cref="DdfReference"/>.
/// </summary>
internal static unsafe class FilterNormGuardSweep
{
    /// <summary>Every k from 3 to 9 (taps 9 to 81) with every pixel count from 1 to 2 * vw + 3, and across the 4096-pixel tile edge.</summary>
    public static List<(int Batches, int Groups, int Taps, long Pixels, int Threads)> Cases<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vw = Vector<T>.Count;
        var random = new Random(20261203);
        var cases = new List<(int, int, int, long, int)>();
        foreach (int k in new[] { 3, 5, 7, 9 })
        {
            foreach (long pixels in Enumerable.Range(1, 2 * vw + 3).Select(p => (long)p).Concat([4095, 4096, 4097]))
                cases.Add((1 + 2 * random.Next(2), 1 + random.Next(3), k * k, pixels, 1 + random.Next(2)));
        }
        return cases;
    }

    public static string Run<T>(TextWriter progress) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cases = Cases<T>();
        int calls = 0;
        try
        {
            for (int index = 0; index < cases.Count; index++)
            {
                var (batches, groups, taps, pixels, threads) = cases[index];
                progress.WriteLine($"case {typeof(T).Name} FilterNorm batches={batches} groups={groups} taps={taps} pixels={pixels} threads={threads}");
                var random = new Random(index);
                long count = batches * groups * taps * pixels;
                var v = DdfGuardSweep.Values<T>(random, count);
                var gy = DdfGuardSweep.Values<T>(random, count);
                double scale = 0.5;
                var expected = DdfReference.FilterNorm(DdfGuardSweep.Wide(v), batches, groups, taps, pixels, scale);
                var expectedGrad = DdfReference.FilterNormBackward(DdfGuardSweep.Wide(v), DdfGuardSweep.Wide(gy), batches, groups, taps, pixels, scale);
                CpuParallelism.MaxDegreeOfParallelism = threads;
                foreach (var side in new[] { GuardSide.After, GuardSide.Before })
                {
                    using (var memory = new GuardedBuffers(side))
                    {
                        T* output = memory.Allocate<T>("output", count);
                        FilterNormKernels.Forward(memory.Copy<T>("input", v), output, batches, groups, taps, pixels, T.CreateTruncating(scale));
                        memory.CheckSlack();
                        DdfGuardSweep.Compare(output, expected, $"FilterNorm forward, guard {side}");
                    }
                    using (var memory = new GuardedBuffers(side))
                    {
                        T* gradInput = memory.Allocate<T>("input gradient", count);
                        FilterNormKernels.Backward(memory.Copy<T>("input", v), memory.Copy<T>("output gradient", gy), gradInput,
                            batches, groups, taps, pixels, T.CreateTruncating(scale));
                        memory.CheckSlack();
                        DdfGuardSweep.Compare(gradInput, expectedGrad, $"FilterNorm backward, guard {side}");
                    }
                    calls += 2;
                }
            }
        }
        finally
        {
            CpuParallelism.MaxDegreeOfParallelism = -1;
        }
        return $"{typeof(T).Name}: {cases.Count} FilterNorm cases, {calls} guarded kernel calls";
    }
}
