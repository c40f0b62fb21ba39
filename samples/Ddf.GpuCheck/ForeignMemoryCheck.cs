using System;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Ddf.KernelChecks;
using Ddf.Runtime;
using ILGPU;
using ILGPU.Runtime;
using static Ddf.GpuCheck.ForeignDeviceBuffer;

namespace Ddf.GpuCheck;

/// <summary>
/// The kernels on device memory allocated outside ILGPU as libtorch allocates it: the device's primary context retained
/// (cuDevicePrimaryCtxRetain) and pushed current, cuMemAlloc there. Then forward and backward (all three gradients) through
/// <see cref="DdfCudaDevices.Enter"/> and <see cref="DdfGpuMemory"/>, no copy, compared with the CPU kernels; and the context
/// handling: inside the scope the primary context is current and is the accelerator's, the memory belongs to it, afterwards
/// the thread's previous context and ILGPU accelerator are back. On this thread (the check's own ILGPU accelerator, in a
/// private context, current), a thread-pool thread and a new thread (no context: like autograd's backward threads).
/// Runs last: a context mistake here can crash the process, so the report is saved after every row.
/// </summary>
internal static class ForeignMemoryCheck
{
    private const double Tolerance = 1e-4;

    private static readonly (string Name, DdfCpuKernelSet Cpu, DdfGpuKernelSet Gpu)[] Kernels =
    [
        ("generated k3", K3.CpuKernels.Set, K3.GpuKernels.Set),
        ("generic k3", DdfCpuKernelSet.Generic(true, true, KernelCombine.Mul), DdfGpuKernelSet.Generic(true, true, KernelCombine.Mul)),
    ];

    private static readonly (string Name, Func<Func<(string, bool)>, (string, bool)> RunOn)[] Threads =
    [
        ("this thread", run => run()),
        ("a thread-pool thread", run => Task.Run(run).GetAwaiter().GetResult()),
        ("a new thread", OnNewThread),
    ];

    public static bool Run(Report report)
    {
        report.Line("## Kernels on foreign device memory (primary context retained and made current, cuMemAlloc there, as libtorch does)");
        report.Line();
        report.Line($"Forward and backward (all three gradients) at 2x19x37x53, float32, no copy; worst error over output and gradients vs the CPU kernels, tolerance {Tolerance:G}.");
        report.Line();
        report.Line("| thread | kernels | worst error | primary context current inside | memory in it | previous context and ILGPU binding restored | result |");
        report.Line("| --- | --- | --- | --- | --- | --- | --- |");
        report.Save();
        bool passed = true;
        foreach (var (thread, runOn) in Threads)
        {
            foreach (var (name, cpu, gpu) in Kernels)
            {
                (string Cells, bool Passed) row;
                try
                {
                    row = runOn(() => RunOnce(cpu, gpu));
                }
                catch (Exception e)
                {
                    row = ($"{e.GetType().Name}: {e.Message} | | | | FAIL", false);
                }
                passed &= row.Passed;
                report.Line($"| {thread} | {name} | {row.Cells} |");
                report.Save();
            }
        }
        report.Line();
        return passed;
    }

    /// <summary>One run on the calling thread: the row's cells from the error on, and whether it passed.</summary>
    private static (string Cells, bool Passed) RunOnce(DdfCpuKernelSet cpu, DdfGpuKernelSet gpu)
    {
        var g = new DdfGeometry(2, 19, 37, 53, 3, 1, 1);
        var data = KernelComparison.RandomData<float>(g, FilterBranches.Both, seed: 7);
        var expected = KernelComparison.RunCpu(cpu, g, data);
        using var primary = new PrimaryContext(DdfCudaDevices.Get(0).DeviceId);
        ForeignDeviceBuffer x, cf, sf, dy, y, dx, dcf, dsf;
        using (primary.MakeCurrent())
        {
            (x, cf, sf, dy) = (Upload(data.Input), Upload(data.ChannelFilter!), Upload(data.SpatialFilter!), Upload(data.GradOutput));
            (y, dx, dcf, dsf) = (Zeros(expected.Output.Length), Zeros(expected.GradInput.Length), Zeros(expected.GradChannelFilter!.Length),
                Zeros(expected.GradSpatialFilter!.Length));
        }
        ForeignDeviceBuffer[] all = [x, cf, sf, dy, y, dx, dcf, dsf];
        try
        {
            IntPtr before = CudaContextProbe.Current();
            var ilgpuBefore = Accelerator.Current;
            DdfResults<float> actual;
            bool inPrimary, allocatedInPrimary;
            using (var scope = DdfCudaDevices.Enter(0))
            {
                var accelerator = scope.Accelerator;
                var stream = accelerator.DefaultStream;
                inPrimary = CudaContextProbe.Current() == primary.Handle && accelerator.NativePtr == primary.Handle;
                allocatedInPrimary = all.All(b => CudaContextProbe.ContextOf(b.Pointer) == primary.Handle);
                DdfGpu.Forward<float>(stream, gpu, View(x), View(cf), View(sf), View(y), g);
                DdfGpu.Backward<float>(stream, gpu, View(x), View(cf), View(sf), View(dy), View(dx), View(dcf), View(dsf), g);
                stream.Synchronize();
                actual = new(y.Read(), dx.Read(), dcf.Read(), dsf.Read());

                ArrayView<float> View(ForeignDeviceBuffer buffer) => DdfGpuMemory.View<float>(accelerator, buffer.Pointer, buffer.Length);
            }
            bool restored = CudaContextProbe.Current() == before && Accelerator.Current == ilgpuBefore;
            double error = GpuChecks.Worst(expected, actual);
            bool passed = error <= Tolerance && inPrimary && allocatedInPrimary && restored;
            return ($"{error:0.0E+0} | {YesNo(inPrimary)} | {YesNo(allocatedInPrimary)} | " +
                $"{YesNo(restored)} (previous: {(before == IntPtr.Zero ? "none" : "a context")}) | {(passed ? "ok" : "FAIL")}", passed);
        }
        finally
        {
            using (primary.MakeCurrent())
            {
                foreach (var buffer in all)
                    buffer.Dispose();
            }
        }
    }

    private static string YesNo(bool value) => value ? "yes" : "NO";

    /// <summary>Runs <paramref name="run"/> on a dedicated new thread (never a pooled one) and waits for it.</summary>
    private static T OnNewThread<T>(Func<T> run)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = run();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }) { Name = "foreign-memory check", IsBackground = true };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }
}
