using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.CompilerServices;
using Ddf.KernelChecks;

namespace Ddf.Runtime.Tests;

/// <summary>The gradients a backward call asks for.</summary>
[Flags]
public enum Gradients
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>The input gradient.</summary>
    Input = 1,

    /// <summary>The channel-filter gradient.</summary>
    ChannelFilter = 2,

    /// <summary>The spatial-filter gradient.</summary>
    SpatialFilter = 4,

    /// <summary>All three.</summary>
    All = Input | ChannelFilter | SpatialFilter,
}

/// <summary>One call shape of the sweep: sizes, spec, threads, and the gradient subset its second backward call asks for.</summary>
public readonly record struct DdfCase(int Batch, int Channels, int Height, int Width, int KernelSize, int Dilation, int Stride,
    Weights Weights, int Threads, Gradients Subset)
{
    public DdfGeometry Geometry => new(Batch, Channels, Height, Width, KernelSize, Dilation, Stride);

    public override string ToString() =>
        $"B={Batch} C={Channels} H={Height} W={Width} k={KernelSize} d={Dilation} s={Stride} {Weights} threads={Threads} subset={Subset}";
}

/// <summary>
/// The guard-page sweep of the DDF kernels: for each case, forward and backward (all gradients, then a subset) of the
/// generic kernel set and of every generated set of the same spec, once with every buffer against a guard page after
/// its end and once before its start, the scheduler's scratch too; each result compared with <see cref="DdfReference"/>.
/// </summary>
internal static unsafe class DdfGuardSweep
{
    private static readonly int[] KernelSizes = [1, 3, 5, 7, 9];
    private static readonly int[] Heights = [1, 2, 3, 4, 5];
    private static readonly int[] ChannelCounts = [1, 2, 3, 17];
    private static readonly int[] Batches = [1, 3];
    private static readonly int[] ThreadCounts = [1, 2];
    private static readonly Gradients[] Subsets =
    [
        Gradients.Input, Gradients.ChannelFilter, Gradients.SpatialFilter,
        Gradients.Input | Gradients.SpatialFilter, Gradients.Input | Gradients.ChannelFilter, Gradients.ChannelFilter | Gradients.SpatialFilter,
    ];

    /// <summary>
    /// The cases for element type <typeparamref name="T"/>: every k, dilation and stride with every width from 1 to
    /// 2 * vector width + 3 and the widths around each vector path's threshold for that padding (for k = 3 and 5, whose
    /// generated kernels are unrolled, in each of the four modes); heights, channels, batch, threads, gradient subset
    /// (and for k = 1, 7, 9 the mode) drawn per case with a fixed seed. Then tall, wide-channel cases (several row and
    /// channel tiles, the fused backward pass, multi-tile partial sums) for every k and mode.
    /// </summary>
    public static List<DdfCase> Cases<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vw = Vector<T>.Count;
        var random = new Random(20261202);
        var cases = new List<DdfCase>();
        T0 Pick<T0>(T0[] values) => values[random.Next(values.Length)];
        foreach (int k in KernelSizes)
            for (int d = 1; d <= 3; d++)
                for (int s = 1; s <= 3; s++)
                    foreach (int w in Widths(vw, d * (k - 1) / 2, s))
                    {
                        // k = 3 and 5 have generated (unrolled) kernels for every mode: each mode gets every width.
                        Weights[] modes = k is 3 or 5 ? Enum.GetValues<Weights>() : [(Weights)random.Next(4)];
                        foreach (var mode in modes)
                            cases.Add(new DdfCase(Pick(Batches), Pick(ChannelCounts), Pick(Heights), w, k, d, s, mode, Pick(ThreadCounts), Pick(Subsets)));
                    }
        int index = 0;
        foreach (int k in KernelSizes)
            foreach (Weights mode in Enum.GetValues<Weights>())
            {
                int s = 1 + index % 2, pad = (k - 1) / 2;
                cases.Add(new DdfCase(3, 33, 17, 2 * pad + 2 * vw + 1, k, 1, s, mode, 1 + index / 2 % 2, Subsets[index % Subsets.Length]));
                index++;
            }
        return cases;
    }

    /// <summary>1 to 2 * vw + 3, then the widths on either side of each threshold at which a row gets vector columns.</summary>
    private static IEnumerable<int> Widths(int vw, int pad, int stride)
    {
        var widths = new SortedSet<int>(Enumerable.Range(1, 2 * vw + 3));
        // Stride 1: one vector (generic rows), two (generated rows) and four (generic groups) inside the padding on both
        // sides; one and two vectors of a filter-gradient tap's columns (W - pad of them at its outer taps).
        // Stride > 1: a residue class of the strided input gradient wide enough for a vector.
        int[] thresholds = stride == 1
            ? [2 * pad + vw, 2 * pad + 2 * vw, 2 * pad + 4 * vw, pad + vw, pad + 2 * vw]
            : [stride * (vw + 2 * ((pad + stride - 1) / stride))];
        foreach (int threshold in thresholds)
            for (int delta = -stride; delta <= stride; delta++)
                widths.Add(Math.Max(1, threshold + delta));
        return widths;
    }

    /// <summary>Runs every case; writes each case to <paramref name="progress"/> before running it; returns a summary.</summary>
    public static string Run<T>(TextWriter progress) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cases = Cases<T>();
        var scratch = new GuardedScratch();
        ScratchMemory.Override = scratch;
        int calls = 0, generatedCases = 0;
        var generatedSets = new HashSet<string>();
        try
        {
            for (int index = 0; index < cases.Count; index++)
            {
                var ddfCase = cases[index];
                progress.WriteLine($"case {typeof(T).Name} {ddfCase}");
                var sets = new List<(string Name, DdfCpuKernelSet Kernels)>
                {
                    ("generic", DdfCpuKernelSet.Generic(ddfCase.Weights.HasChannel(), ddfCase.Weights.HasSpatial(), ddfCase.Weights == Weights.Add ? KernelCombine.Add : KernelCombine.Mul)),
                };
                foreach (var spec in GeneratedSpecs.All)
                {
                    if (spec.KernelSize == ddfCase.KernelSize && spec.Dilation == ddfCase.Dilation && spec.Stride == ddfCase.Stride && spec.Weights == ddfCase.Weights)
                    {
                        sets.Add((spec.Name, spec.Kernels));
                        generatedSets.Add(spec.Name);
                    }
                }
                generatedCases += sets.Count > 1 ? 1 : 0;
                calls += RunCase<T>(ddfCase, index, sets, scratch);
            }
        }
        finally
        {
            ScratchMemory.Override = null;
            CpuParallelism.MaxDegreeOfParallelism = -1;
        }
        CheckCoverage(cases, Vector<T>.Count);
        var missing = GeneratedSpecs.All.Select(s => s.Name).Where(n => !generatedSets.Contains(n)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"the sweep never ran the generated sets {string.Join(", ", missing)}");
        if (scratch.Allocations == 0)
            throw new InvalidOperationException("the sweep never reached the scheduler's partial sums");
        return $"{typeof(T).Name}: {cases.Count} cases ({generatedCases} also on generated sets), {calls} guarded kernel calls, " +
            $"{scratch.Allocations} guarded scratch blocks, vector width {Vector<T>.Count}, widths {cases.Min(c => c.Width)}-{cases.Max(c => c.Width)}";
    }

    /// <summary>Throws unless the cases hit every listed value of each dimension, and every edge width for each k.</summary>
    private static void CheckCoverage(List<DdfCase> cases, int vw)
    {
        void Require<TValue>(string dimension, IEnumerable<TValue> wanted, Func<DdfCase, TValue> of)
        {
            var hit = cases.Select(of).ToHashSet();
            var lacking = wanted.Where(v => !hit.Contains(v)).ToList();
            if (lacking.Count > 0)
                throw new InvalidOperationException($"the sweep misses {dimension} {string.Join(", ", lacking)}");
        }
        Require("kernel size", KernelSizes, c => c.KernelSize);
        Require("dilation", [1, 2, 3], c => c.Dilation);
        Require("stride", [1, 2, 3], c => c.Stride);
        Require("height", Heights, c => c.Height);
        Require("channel count", ChannelCounts, c => c.Channels);
        Require("batch", Batches, c => c.Batch);
        Require("mode", Enum.GetValues<Weights>(), c => c.Weights);
        Require("thread count", ThreadCounts, c => c.Threads);
        Require("gradient subset", Subsets, c => c.Subset);
        Require("(k, width)", KernelSizes.SelectMany(k => Enumerable.Range(1, 2 * vw + 3).Select(w => (k, w))), c => (c.KernelSize, c.Width));
        Require("(k, mode)", KernelSizes.SelectMany(k => Enum.GetValues<Weights>().Select(m => (k, m))), c => (c.KernelSize, c.Weights));
    }

    /// <summary>Both guard sides, every kernel set: forward, backward of all gradients present, backward of the case's subset.</summary>
    private static int RunCase<T>(DdfCase ddfCase, int seed, List<(string Name, DdfCpuKernelSet Kernels)> sets, GuardedScratch scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = ddfCase.Geometry;
        var w = ddfCase.Weights;
        var random = new Random(seed);
        var x = Values<T>(random, g.Batch * g.Channels * g.InPlane);
        var cf = w.HasChannel() ? Values<T>(random, g.Batch * g.Channels * g.Taps) : null;
        var sf = w.HasSpatial() ? Values<T>(random, g.Batch * g.Taps * g.OutPlane) : null;
        var gy = Values<T>(random, g.Batch * g.Channels * g.OutPlane);
        var expectedY = DdfReference.Forward(g, w, Wide(x), Wide(cf), Wide(sf));
        var (expectedDx, expectedDcf, expectedDsf) = DdfReference.Backward(g, w, Wide(x), Wide(cf), Wide(sf), Wide(gy));
        var present = Gradients.Input | (cf is null ? 0 : Gradients.ChannelFilter) | (sf is null ? 0 : Gradients.SpatialFilter);
        var subset = ddfCase.Subset & present;
        CpuParallelism.MaxDegreeOfParallelism = ddfCase.Threads;
        int calls = 0;
        foreach (var side in new[] { GuardSide.After, GuardSide.Before })
        {
            scratch.Side = side;
            foreach (var (name, kernels) in sets)
            {
                string where = $"{name} kernels, guard {side.ToString().ToLowerInvariant()}";
                using (var memory = new GuardedBuffers(side))
                {
                    var args = new DdfCpuArgs<T>(g, memory.Copy<T>("input", x), Copy(memory, "channel filter", cf), Copy(memory, "spatial filter", sf),
                        memory.Allocate<T>("output", expectedY.Length));
                    Forward(kernels, args);
                    memory.CheckSlack();
                    Compare(args.Output, expectedY, $"{where}: forward output");
                    calls++;
                }
                Gradients[] backwardCalls = subset == present || subset == Gradients.None ? [present] : [present, subset];
                foreach (var wanted in backwardCalls)
                {
                    using var memory = new GuardedBuffers(side);
                    T* dx = wanted.HasFlag(Gradients.Input) ? memory.Allocate<T>("input gradient", x.Length) : null;
                    T* dcf = wanted.HasFlag(Gradients.ChannelFilter) ? memory.Allocate<T>("channel-filter gradient", cf!.Length) : null;
                    T* dsf = wanted.HasFlag(Gradients.SpatialFilter) ? memory.Allocate<T>("spatial-filter gradient", sf!.Length) : null;
                    var args = new DdfCpuArgs<T>(g, memory.Copy<T>("input", x), Copy(memory, "channel filter", cf), Copy(memory, "spatial filter", sf),
                        memory.Copy<T>("output gradient", gy), dx, dsf);
                    Backward(kernels, args, dcf);
                    memory.CheckSlack();
                    string what = $"{where}: backward ({wanted})";
                    if (dx != null)
                        Compare(dx, expectedDx, $"{what} input gradient");
                    if (dcf != null)
                        Compare(dcf, expectedDcf!, $"{what} channel-filter gradient");
                    if (dsf != null)
                        Compare(dsf, expectedDsf!, $"{what} spatial-filter gradient");
                    calls++;
                }
            }
        }
        return calls;
    }

    private static T* Copy<T>(GuardedBuffers memory, string name, T[]? values) where T : unmanaged =>
        values is null ? null : memory.Copy<T>(name, values);

    private static void Forward<T>(DdfCpuKernelSet kernels, in DdfCpuArgs<T> args) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            kernels.ForwardSingle(Unsafe.As<DdfCpuArgs<T>, DdfCpuArgs<float>>(ref Unsafe.AsRef(in args)));
        else
            kernels.ForwardDouble(Unsafe.As<DdfCpuArgs<T>, DdfCpuArgs<double>>(ref Unsafe.AsRef(in args)));
    }

    private static void Backward<T>(DdfCpuKernelSet kernels, in DdfCpuArgs<T> args, T* dcf) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            kernels.BackwardSingle(Unsafe.As<DdfCpuArgs<T>, DdfCpuArgs<float>>(ref Unsafe.AsRef(in args)), (float*)dcf);
        else
            kernels.BackwardDouble(Unsafe.As<DdfCpuArgs<T>, DdfCpuArgs<double>>(ref Unsafe.AsRef(in args)), (double*)dcf);
    }

    /// <summary>Uniform values in [-1, 1) of type <typeparamref name="T"/>.</summary>
    public static T[] Values<T>(Random random, long count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[count];
        for (long i = 0; i < count; i++)
            values[i] = T.CreateTruncating(random.NextDouble() * 2 - 1);
        return values;
    }

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(values))]
    public static double[]? Wide<T>(T[]? values) where T : unmanaged, IFloatingPointIeee754<T> =>
        values?.Select(double.CreateTruncating).ToArray();

    /// <summary>Throws unless every element is within float32 or float64 rounding of the reference (NaN never is).</summary>
    public static void Compare<T>(T* actual, double[] expected, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double tolerance = typeof(T) == typeof(float) ? 1e-4 : 1e-10;
        for (int i = 0; i < expected.Length; i++)
        {
            double value = double.CreateTruncating(actual[i]);
            if (!(Math.Abs(value - expected[i]) <= tolerance * (10 + Math.Abs(expected[i]))))
                throw new InvalidOperationException($"{what}: element {i} of {expected.Length} is {value}, expected {expected[i]}");
        }
    }
}
