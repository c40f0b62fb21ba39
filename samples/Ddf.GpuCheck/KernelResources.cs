using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Ddf.Runtime;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Ddf.GpuCheck;

/// <summary>
/// What the GPU driver's JIT made of every float32 kernel of the timed specs, as loaded on the accelerator (the PTX the
/// <c>--ptx</c> mode counts is only its input): registers, local (spill) bytes, static shared bytes, the largest block it
/// allows, and how many blocks of <see cref="BlockSize"/> threads fit one multiprocessor.
/// </summary>
internal static class KernelResources
{
    /// <summary>Threads per block of the DDF launches (tiled and flat alike) and of the calibration copies.</summary>
    private const int BlockSize = 256;

    /// <summary>Ddf.Runtime's stage two of the channel-filter gradient, which DdfGpu loads beside every set's kernels.</summary>
    private static readonly MethodInfo SumGroups = new Action<ArrayView<float>, ArrayView<float>, int, int>(GpuPartialSums.SumGroups).Method;

    public static void Write(CudaAccelerator accelerator, Report report, IEnumerable<GpuChecks.TimedSpec> specs, string label = "")
    {
        report.Line($"## Kernel resources after the driver's JIT, float32{label}");
        report.Line();
        report.Line($"cuFuncGetAttribute of each loaded kernel (with its set's specialization); occupancy: cuOccupancyMaxActiveBlocksPerMultiprocessor " +
            $"at {BlockSize} threads per block, no dynamic shared memory, as a share of the {accelerator.MaxNumThreadsPerMultiprocessor} threads a multiprocessor holds.");
        report.Line();
        report.Line($"| spec | kernel | registers | local (spill) bytes | static shared bytes | max threads per block | blocks of {BlockSize} per SM | occupancy |");
        report.Line("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        accelerator.Bind(); // the driver queries below need the accelerator's context current
        foreach (var spec in specs)
        {
            foreach (var (name, method) in KernelsOf(spec.Kernels.Single))
                Row(spec.Name, name, method, spec.Kernels.Specialization);
        }
        foreach (var (name, method) in CalibrationKernels.Methods)
            Row("calibration", name, method, KernelSpecialization.Empty);
        report.Line();

        void Row(string spec, string kernel, MethodInfo method, KernelSpecialization specialization)
        {
            var loaded = (CudaKernel)accelerator.LoadKernel(method, specialization);
            var info = CudaFunctionInfo.Of(loaded.FunctionPtr, BlockSize);
            double occupancy = (double)info.BlocksPerMultiprocessor * BlockSize / accelerator.MaxNumThreadsPerMultiprocessor;
            report.Line($"| {spec} | {kernel} | {info.Registers} | {info.LocalBytes} | {info.SharedBytes} | {info.MaxThreadsPerBlock} | " +
                $"{info.BlocksPerMultiprocessor} | {occupancy * 100:0}% |");
        }
    }

    /// <summary>
    /// Every kernel of a float32 set: each delegate-typed property of the record that is set (so a kernel added to
    /// <see cref="DdfGpuKernels{T}"/> later is listed without a change here), then the partial-sum stage.
    /// </summary>
    internal static IEnumerable<(string Name, MethodInfo Method)> KernelsOf(DdfGpuKernels<float> kernels)
    {
        foreach (var property in typeof(DdfGpuKernels<float>).GetProperties().Where(p => typeof(Delegate).IsAssignableFrom(p.PropertyType)))
        {
            if (property.GetValue(kernels) is Delegate kernel)
                yield return (property.Name, kernel.Method);
        }
        yield return ("SumGroups", SumGroups);
    }
}
