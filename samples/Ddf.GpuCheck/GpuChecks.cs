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

/// <summary>The three parts of the GPU check: correctness, timings, kernels on memory ILGPU did not allocate.</summary>
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
    /// Timings at 2x256x200x300, float32, next to a device-to-device copy of the input's bytes: every timed spec, or
    /// with <paramref name="onlyTable2"/> the generated k = 3 kernels alone (<paramref name="label"/> names the setting).
    /// </summary>
    public static void Timings(Accelerator accelerator, Report report, string label = "", bool onlyTable2 = false)
    {
        var g = new DdfGeometry(2, 256, 200, 300, 3, 1, 1);
        report.Line($"## Timings at the Table 2 size: {g.Batch}x{g.Channels}x{g.Height}x{g.Width}, float32{label}");
        report.Line();
        report.Line("Median of 7 runs of 20 calls each, per call, stream synchronised around each run (launch overheads included).");
        report.Line("Forward+backward computes all three gradients.");
        report.Line();
        report.Line("| what | ms | x copy floor |");
        report.Line("| --- | --- | --- |");
        var stream = accelerator.DefaultStream;
        using var x = accelerator.Allocate1D<float>(g.Batch * g.Channels * g.InPlane);
        using var copy = accelerator.Allocate1D<float>(x.Length);
        x.MemSetToZero(stream);
        double floor = Time(stream, () => x.View.CopyTo(stream, copy.View));
        report.Line($"| copy floor: device-to-device copy of the input ({x.LengthInBytes / 1e6:0} MB read + written) | {floor:0.000} | 1.0 |");
        foreach (var (name, kernels, k, dilation, stride) in new (string, DdfGpuKernelSet, int, int, int)[]
        {
            ("generated k3", K3.GpuKernels.Set, 3, 1, 1),
            ("generic k3", DdfGpuKernelSet.Generic(true, true, KernelCombine.Mul), 3, 1, 1),
            ("generated k3 stride 2", K3Stride2.GpuKernels.Set, 3, 1, 2),
            ("generated k5 dilation 2 add", K5Dilation2Add.GpuKernels.Set, 5, 2, 1),
            ("generated k7", K7.GpuKernels.Set, 7, 1, 1),
        }.Take(onlyTable2 ? 1 : int.MaxValue))
        {
            var geometry = new DdfGeometry(g.Batch, g.Channels, g.Height, g.Width, k, dilation, stride);
            using var cf = accelerator.Allocate1D<float>((long)geometry.Batch * geometry.Channels * geometry.Taps);
            using var sf = accelerator.Allocate1D<float>((long)geometry.Batch * geometry.Taps * geometry.OutPlane);
            using var y = accelerator.Allocate1D<float>((long)geometry.Batch * geometry.Channels * geometry.OutPlane);
            using var dx = accelerator.Allocate1D<float>(x.Length);
            using var dcf = accelerator.Allocate1D<float>(cf.Length);
            using var dsf = accelerator.Allocate1D<float>(sf.Length);
            foreach (var buffer in new[] { cf, sf, y })
                buffer.MemSetToZero(stream);
            double forward = Time(stream, () => DdfGpu.Forward<float>(stream, kernels, x.View, cf.View, sf.View, y.View, geometry));
            double both = Time(stream, () =>
            {
                DdfGpu.Forward<float>(stream, kernels, x.View, cf.View, sf.View, y.View, geometry);
                DdfGpu.Backward<float>(stream, kernels, x.View, cf.View, sf.View, y.View, dx.View, dcf.View, dsf.View, geometry);
            });
            report.Line($"| {name}: forward | {forward:0.000} | {forward / floor:0.0} |");
            report.Line($"| {name}: forward+backward | {both:0.000} | {both / floor:0.0} |");
            if (name != "generated k3")
                continue;
            double inputGradient = Time(stream, () =>
                DdfGpu.Backward<float>(stream, kernels, x.View, cf.View, sf.View, y.View, dx.View, default, default, geometry));
            double filterGradients = Time(stream, () =>
                DdfGpu.Backward<float>(stream, kernels, x.View, cf.View, sf.View, y.View, default, dcf.View, dsf.View, geometry));
            double spatialGradient = Time(stream, () =>
                DdfGpu.Backward<float>(stream, kernels, x.View, cf.View, sf.View, y.View, default, default, dsf.View, geometry));
            double channelGradient = Time(stream, () =>
                DdfGpu.Backward<float>(stream, kernels, x.View, cf.View, sf.View, y.View, default, dcf.View, default, geometry));
            report.Line($"| {name}: backward, input gradient only | {inputGradient:0.000} | {inputGradient / floor:0.0} |");
            report.Line($"| {name}: backward, filter gradients only | {filterGradients:0.000} | {filterGradients / floor:0.0} |");
            report.Line($"| {name}: backward, spatial-filter gradient only | {spatialGradient:0.000} | {spatialGradient / floor:0.0} |");
            report.Line($"| {name}: backward, channel-filter gradient only (both stages) | {channelGradient:0.000} | {channelGradient / floor:0.0} |");
        }
        report.Line();
    }

    /// <summary>
    /// The kernels on device memory allocated outside ILGPU in the primary context (as libtorch allocates), through
    /// <see cref="DdfCudaDevices"/> and <see cref="DdfGpuMemory"/>: no copy. Checks the context handling too: inside
    /// <see cref="DdfCudaDevices.Enter"/> the primary context is current (and the memory allocated there is the primary
    /// context's), afterwards the thread's previous context is back; on this thread (which has the check's own ILGPU
    /// accelerator, in a private context, current) and on a thread-pool thread (no context, like autograd's backward thread).
    /// </summary>
    public static bool ZeroCopy(Report report)
    {
        report.Line("## Kernels on foreign device memory (allocated by the CUDA driver in the primary context, as libtorch does)");
        report.Line();
        bool passed = true;
        try
        {
            passed &= ZeroCopyOnThisThread(report, "this thread");
            passed &= System.Threading.Tasks.Task.Run(() => ZeroCopyOnThisThread(report, "a thread-pool thread")).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            report.Line($"FAIL: {e.GetType().Name}: {e.Message}");
            passed = false;
        }
        report.Line();
        return passed;
    }

    private static bool ZeroCopyOnThisThread(Report report, string thread)
    {
        var g = new DdfGeometry(2, 19, 37, 53, 3, 1, 1);
        var data = KernelComparison.RandomData<float>(g, FilterBranches.Both, seed: 7);
        var expected = KernelComparison.RunCpu(K3.CpuKernels.Set, g, data);
        IntPtr before = CudaContextProbe.Current();
        var ilgpuBefore = Accelerator.Current;
        double error;
        bool inPrimary, allocatedInPrimary;
        using (var scope = DdfCudaDevices.Enter(0))
        {
            var accelerator = scope.Accelerator;
            IntPtr primary = CudaContextProbe.Primary(accelerator.DeviceId);
            inPrimary = CudaContextProbe.Current() == primary && accelerator.NativePtr == primary;
            using var x = new ForeignDeviceBuffer(data.Input);
            using var cf = new ForeignDeviceBuffer(data.ChannelFilter!);
            using var sf = new ForeignDeviceBuffer(data.SpatialFilter!);
            using var y = new ForeignDeviceBuffer(new float[expected.Output.Length]);
            allocatedInPrimary = CudaContextProbe.ContextOf(x.Pointer) == primary;
            DdfGpu.Forward<float>(accelerator.DefaultStream, K3.GpuKernels.Set, View(x), View(cf), View(sf), View(y), g);
            accelerator.DefaultStream.Synchronize();
            error = KernelComparison.WorstError(expected.Output, y.Read(), out _);

            ArrayView<float> View(ForeignDeviceBuffer buffer) => DdfGpuMemory.View<float>(accelerator, buffer.Pointer, buffer.Length);
        }
        bool restored = CudaContextProbe.Current() == before && Accelerator.Current == ilgpuBefore;
        bool passed = error <= SingleTolerance && inPrimary && allocatedInPrimary && restored;
        report.Line($"Forward on foreign memory, no copy, on {thread}: worst error {error:0.0E+0}; primary context current inside: {inPrimary}, " +
            $"memory in it: {allocatedInPrimary}; previous context ({(before == IntPtr.Zero ? "none" : "one")}) and ILGPU binding restored: {restored}: {(passed ? "ok" : "FAIL")}.");
        return passed;
    }

    private static double Worst<T>(DdfResults<T> expected, DdfResults<T> actual) where T : unmanaged, IFloatingPointIeee754<T> =>
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
}
