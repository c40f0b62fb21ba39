using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Numerics;
using Ddf.KernelChecks;
using Ddf.Runtime;
using ILGPU;
using ILGPU.Runtime;

namespace Ddf.GpuCheck;

/// <summary>The kernel checks on an accelerator: correctness against the CPU kernels (DDF and calibration copies), timings, a short run to profile.</summary>
internal static class GpuChecks
{
    private const double SingleTolerance = 1e-4;
    private const double DoubleTolerance = 1e-10;

    /// <summary>A spec under test: its CPU and GPU kernels and geometry settings.</summary>
    internal sealed record Spec(string Name, DdfCpuKernelSet Cpu, DdfGpuKernelSet Gpu, int K, int Dilation, int Stride, FilterBranches Branches);

    internal static readonly Spec[] Specs =
    [
        new("k3 (Table 2)", K3.CpuKernels.Set, K3.GpuKernels.Set, 3, 1, 1, FilterBranches.Both),
        new("k3 stride 2", K3Stride2.CpuKernels.Set, K3Stride2.GpuKernels.Set, 3, 1, 2, FilterBranches.Both),
        new("k5 dilation 2 add", K5Dilation2Add.CpuKernels.Set, K5Dilation2Add.GpuKernels.Set, 5, 2, 1, FilterBranches.Both),
        new("k7", K7.CpuKernels.Set, K7.GpuKernels.Set, 7, 1, 1, FilterBranches.Both),
        new("k3 spatial only, dilation 2, stride 2", SpatialOnly.CpuKernels.Set, SpatialOnly.GpuKernels.Set, 3, 2, 2, FilterBranches.Spatial),
        new("k5 channel only, stride 2, add", ChannelOnly.CpuKernels.Set, ChannelOnly.GpuKernels.Set, 5, 1, 2, FilterBranches.Channel),
        new("generic k1", DdfCpuKernelSet.Generic(true, true, KernelCombine.Mul), DdfGpuKernelSet.Generic(true, true, KernelCombine.Mul), 1, 1, 1, FilterBranches.Both),
        new("generic k9 dilation 2 add", DdfCpuKernelSet.Generic(true, true, KernelCombine.Add), DdfGpuKernelSet.Generic(true, true, KernelCombine.Add), 9, 2, 1, FilterBranches.Both),
    ];

    /// <summary>The paper's Table 2 size (2x256x200x300) for k = 3, the timings' and the profile's geometry.</summary>
    internal static readonly DdfGeometry Table2 = new(2, 256, 200, 300, 3, 1, 1);

    /// <summary>A spec timed at the Table 2 size with its own kernel size, dilation and stride.</summary>
    internal sealed record TimedSpec(string Name, DdfGpuKernelSet Kernels, int K, int Dilation, int Stride)
    {
        public DdfGeometry Geometry => new(Table2.Batch, Table2.Channels, Table2.Height, Table2.Width, K, Dilation, Stride);
    }

    /// <summary>The timed specs; the first is the Table 2 setting, timed per gradient too and profiled.</summary>
    internal static readonly TimedSpec[] TimedSpecs =
    [
        new("generated k3", K3.GpuKernels.Set, 3, 1, 1),
        new("generic k3", DdfGpuKernelSet.Generic(true, true, KernelCombine.Mul), 3, 1, 1),
        new("generated k3 stride 2", K3Stride2.GpuKernels.Set, 3, 1, 2),
        new("generated k5 dilation 2 add", K5Dilation2Add.GpuKernels.Set, 5, 2, 1),
        new("generated k7", K7.GpuKernels.Set, 7, 1, 1),
    ];

    /// <summary>Every spec on random shapes, float32 and float64, forward and all gradients, plus a bitwise rerun.</summary>
    public static bool Correctness(Accelerator accelerator, Report report, bool quick)
    {
        report.Line("## Correctness: GPU kernels vs the CPU kernels");
        report.Line();
        report.Line($"Random shapes; worst error in units of max(1, |CPU value|) over output and all gradients; tolerance {SingleTolerance:G} (float32), {DoubleTolerance:G} (float64).");
        report.Line();
        report.Line("| spec | shapes (B x C x H x W) | float32 | float64 | rerun bitwise equal | result |");
        report.Line("| --- | --- | --- | --- | --- | --- |");
        var random = new Random(2026);
        bool allPassed = true;
        foreach (var spec in Specs)
        {
            var shapes = Enumerable.Range(0, quick ? 1 : 4).Select(_ => quick
                ? new DdfGeometry(random.Next(1, 3), random.Next(1, 11), random.Next(3, 20), random.Next(3, 40), spec.K, spec.Dilation, spec.Stride)
                : new DdfGeometry(random.Next(1, 4), random.Next(1, 41), random.Next(3, 90), random.Next(3, 130), spec.K, spec.Dilation, spec.Stride)).ToArray();
            double single = 0, @double = 0;
            bool reproducible = true;
            foreach (var g in shapes)
            {
                var data = KernelComparison.RandomData<float>(g, spec.Branches, seed: random.Next());
                var gpu = KernelComparison.RunGpu(accelerator, spec.Gpu, g, data);
                single = Math.Max(single, Worst(KernelComparison.RunCpu(spec.Cpu, g, data), gpu));
                var again = KernelComparison.RunGpu(accelerator, spec.Gpu, g, data);
                reproducible &= Worst(gpu, again) == 0;
                var data64 = KernelComparison.RandomData<double>(g, spec.Branches, seed: random.Next());
                @double = Math.Max(@double, Worst(KernelComparison.RunCpu(spec.Cpu, g, data64), KernelComparison.RunGpu(accelerator, spec.Gpu, g, data64)));
            }
            bool passed = single <= SingleTolerance && @double <= DoubleTolerance && reproducible;
            allPassed &= passed;
            string sizes = string.Join(", ", shapes.Select(g => $"{g.Batch}x{g.Channels}x{g.Height}x{g.Width}"));
            report.Line($"| {spec.Name} | {sizes} | {single:0.0E+0} | {@double:0.0E+0} | {(reproducible ? "yes" : "NO")} | {(passed ? "ok" : "FAIL")} |");
        }
        report.Line();
        return allPassed;
    }

    /// <summary>
    /// The calibration copies (<see cref="CalibrationKernels"/>) on random data: both must reproduce the input exactly, or
    /// their timings mean nothing. The target starts at zero and the data lie in [1, 2), so a skipped element shows.
    /// </summary>
    public static bool CalibrationCorrectness(Accelerator accelerator, Report report, bool quick)
    {
        report.Line("## Correctness: calibration copy kernels");
        report.Line();
        int length = quick ? 4 * 2_500 : 4 * 1_000_000;
        var random = new Random(17);
        var values = Enumerable.Range(0, length).Select(_ => 1 + random.NextSingle()).ToArray();
        var copies = new CalibrationCopies(accelerator);
        var stream = accelerator.DefaultStream;
        using var source = accelerator.Allocate1D(values);
        using var target = accelerator.Allocate1D<float>(length);
        report.Line("| kernel | floats | copy equals input | result |");
        report.Line("| --- | --- | --- | --- |");
        bool allPassed = true;
        foreach (var (name, copy) in new (string, Action<AcceleratorStream, ArrayView<float>, ArrayView<float>>)[]
        {
            ("scalar copy (one float per thread)", copies.Scalar), ("vector copy (float4 per thread)", copies.Vector),
        })
        {
            target.MemSetToZero(stream);
            copy(stream, source.View, target.View);
            stream.Synchronize();
            bool equal = target.GetAsArray1D().AsSpan().SequenceEqual(values);
            allPassed &= equal;
            report.Line($"| {name} | {length} | {(equal ? "yes" : "NO")} | {(equal ? "ok" : "FAIL")} |");
        }
        report.Line();
        return allPassed;
    }

    /// <summary>
    /// Timings at the Table 2 size, float32, next to a device-to-device copy of the input's bytes and the two ILGPU
    /// calibration copies of the same floats: every timed spec, or with <paramref name="onlyTable2"/> the generated k = 3
    /// kernels alone (<paramref name="label"/> names the setting).
    /// </summary>
    public static void Timings(Accelerator accelerator, Report report, string label = "", bool onlyTable2 = false)
    {
        var g = Table2;
        report.Line($"## Timings at the Table 2 size: {g.Batch}x{g.Channels}x{g.Height}x{g.Width}, float32{label}");
        report.Line();
        report.Line("Median of 7 runs of 20 calls each, per call, stream synchronised around each run (launch overheads included).");
        report.Line("Forward+backward computes all three gradients.");
        report.Line();
        report.Line("| what | ms | x copy floor |");
        report.Line("| --- | --- | --- |");
        var stream = accelerator.DefaultStream;
        double floor;
        using (var x = accelerator.Allocate1D<float>(g.Batch * g.Channels * g.InPlane))
        using (var copy = accelerator.Allocate1D<float>(x.Length))
        {
            x.MemSetToZero(stream);
            var copies = new CalibrationCopies(accelerator);
            floor = Time(stream, () => x.View.CopyTo(stream, copy.View));
            double scalar = Time(stream, () => copies.Scalar(stream, x.View, copy.View));
            double vector = Time(stream, () => copies.Vector(stream, x.View, copy.View));
            report.Line($"| copy floor: device-to-device copy of the input ({x.LengthInBytes / 1e6:0} MB read + written) | {floor:0.000} | 1.0 |");
            report.Line($"| ILGPU scalar copy kernel, same floats (one float per thread) | {scalar:0.000} | {scalar / floor:0.00} |");
            report.Line($"| ILGPU vector copy kernel, same floats (ld/st.v4.f32, one float4 per thread) | {vector:0.000} | {vector / floor:0.00} |");
        }
        foreach (var spec in TimedSpecs.Take(onlyTable2 ? 1 : int.MaxValue))
        {
            using var buffers = new DdfBuffers(accelerator, spec.Geometry);
            double forward = Time(stream, () => buffers.Forward(stream, spec.Kernels));
            double both = Time(stream, () => buffers.ForwardBackward(stream, spec.Kernels));
            Row(spec.Name + ": forward", forward);
            Row(spec.Name + ": forward+backward", both);
            if (spec != TimedSpecs[0])
                continue;
            Row(spec.Name + ": backward, input gradient only", Time(stream, () => buffers.Backward(stream, spec.Kernels, input: true, channel: false, spatial: false)));
            Row(spec.Name + ": backward, filter gradients only", Time(stream, () => buffers.Backward(stream, spec.Kernels, input: false, channel: true, spatial: true)));
            Row(spec.Name + ": backward, spatial-filter gradient only", Time(stream, () => buffers.Backward(stream, spec.Kernels, input: false, channel: false, spatial: true)));
            Row(spec.Name + ": backward, channel-filter gradient only (both stages)", Time(stream, () => buffers.Backward(stream, spec.Kernels, input: false, channel: true, spatial: false)));
        }
        report.Line();

        void Row(string what, double ms) => report.Line($"| {what} | {ms:0.000} | {ms / floor:0.0} |");
    }

    /// <summary>
    /// The <c>--profile</c> run, for a profiler (ncu) to watch: forward and backward of the generated k = 3 kernels at the
    /// Table 2 size, <paramref name="iterations"/> times, and nothing else on the device.
    /// </summary>
    public static void Profile(Accelerator accelerator, Report report, int iterations)
    {
        var spec = TimedSpecs[0];
        var stream = accelerator.DefaultStream;
        using var buffers = new DdfBuffers(accelerator, spec.Geometry);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
            buffers.ForwardBackward(stream, spec.Kernels);
        stream.Synchronize();
        report.Line($"Profile run: {iterations} x forward+backward of {spec.Name} at {Table2.Batch}x{Table2.Channels}x{Table2.Height}x{Table2.Width}, float32, " +
            $"{clock.Elapsed.TotalMilliseconds:0} ms in all (including the first call's kernel loading).");
    }

    /// <summary>The worst error over output and all gradients.</summary>
    internal static double Worst<T>(DdfResults<T> expected, DdfResults<T> actual) where T : unmanaged, IFloatingPointIeee754<T> =>
        new[]
        {
            KernelComparison.WorstError(expected.Output, actual.Output, out _),
            KernelComparison.WorstError(expected.GradInput, actual.GradInput, out _),
            KernelComparison.WorstError(expected.GradChannelFilter, actual.GradChannelFilter, out _),
            KernelComparison.WorstError(expected.GradSpatialFilter, actual.GradSpatialFilter, out _),
        }.Max();

    /// <summary>Milliseconds per call: median of 7 runs of 20 calls, after 3 warm-up calls.</summary>
    private static double Time(AcceleratorStream stream, Action call)
    {
        for (int i = 0; i < 3; i++)
            call();
        stream.Synchronize();
        var runs = new List<double>();
        for (int run = 0; run < 7; run++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 20; i++)
                call();
            stream.Synchronize();
            runs.Add(clock.Elapsed.TotalMilliseconds / 20);
        }
        runs.Sort();
        return runs[runs.Count / 2];
    }

    /// <summary>
    /// Device buffers for one float32 DDF call of a geometry (zeros: the timings do not depend on the values); the output
    /// doubles as the upstream gradient.
    /// </summary>
    private sealed class DdfBuffers : IDisposable
    {
        private readonly DdfGeometry g;
        private readonly MemoryBuffer1D<float, Stride1D.Dense> x, cf, sf, y, dx, dcf, dsf;

        public DdfBuffers(Accelerator accelerator, DdfGeometry geometry)
        {
            g = geometry;
            x = accelerator.Allocate1D<float>((long)g.Batch * g.Channels * g.InPlane);
            cf = accelerator.Allocate1D<float>((long)g.Batch * g.Channels * g.Taps);
            sf = accelerator.Allocate1D<float>((long)g.Batch * g.Taps * g.OutPlane);
            y = accelerator.Allocate1D<float>((long)g.Batch * g.Channels * g.OutPlane);
            dx = accelerator.Allocate1D<float>(x.Length);
            dcf = accelerator.Allocate1D<float>(cf.Length);
            dsf = accelerator.Allocate1D<float>(sf.Length);
            foreach (var buffer in new[] { x, cf, sf, y })
                buffer.MemSetToZero(accelerator.DefaultStream);
        }

        public void Forward(AcceleratorStream stream, DdfGpuKernelSet kernels) =>
            DdfGpu.Forward<float>(stream, kernels, x.View, cf.View, sf.View, y.View, g);

        public void Backward(AcceleratorStream stream, DdfGpuKernelSet kernels, bool input, bool channel, bool spatial) =>
            DdfGpu.Backward<float>(stream, kernels, x.View, cf.View, sf.View, y.View,
                input ? dx.View : default, channel ? dcf.View : default, spatial ? dsf.View : default, g);

        public void ForwardBackward(AcceleratorStream stream, DdfGpuKernelSet kernels)
        {
            Forward(stream, kernels);
            Backward(stream, kernels, input: true, channel: true, spatial: true);
        }

        public void Dispose()
        {
            foreach (var buffer in new[] { x, cf, sf, y, dx, dcf, dsf })
                buffer.Dispose();
        }
    }
}
