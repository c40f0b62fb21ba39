using Ddf.Runtime;

namespace Ddf.Specialised;

// Specs common in DDF networks (k = 3, the paper's default, at stride 1 and 2; k = 5), compiled by this
// library's own generator so that Ddf.ops.ddf runs kernels with their taps unrolled (the generated layers
// themselves are not used). k = 7 gains nothing: its generated rows are the generic ones.
[DynamicFilter(KernelSize = 3)] internal partial class K3Mul;
[DynamicFilter(KernelSize = 3, Combine = KernelCombine.Add)] internal partial class K3Add;
[DynamicFilter(KernelSize = 3, Stride = 2)] internal partial class K3Stride2Mul;
[DynamicFilter(KernelSize = 3, Stride = 2, Combine = KernelCombine.Add)] internal partial class K3Stride2Add;
[DynamicFilter(KernelSize = 5)] internal partial class K5Mul;
[DynamicFilter(KernelSize = 5, Combine = KernelCombine.Add)] internal partial class K5Add;

/// <summary>Picks the specialised kernels for a call when one of the common specs matches.</summary>
internal static class CommonSpecs
{
    /// <summary>Specialised CPU and GPU kernels for both filters present, or null to run the generic ones.</summary>
    public static (DdfCpuKernelSet Cpu, DdfGpuKernelSet Gpu)? Find(in DdfGeometry g, KernelCombine combine) =>
        (g.KernelSize, g.Dilation, g.Stride, combine) switch
        {
            (3, 1, 1, KernelCombine.Mul) => (K3Mul.CpuKernels.Set, K3Mul.GpuKernels.Set),
            (3, 1, 1, KernelCombine.Add) => (K3Add.CpuKernels.Set, K3Add.GpuKernels.Set),
            (3, 1, 2, KernelCombine.Mul) => (K3Stride2Mul.CpuKernels.Set, K3Stride2Mul.GpuKernels.Set),
            (3, 1, 2, KernelCombine.Add) => (K3Stride2Add.CpuKernels.Set, K3Stride2Add.GpuKernels.Set),
            (5, 1, 1, KernelCombine.Mul) => (K5Mul.CpuKernels.Set, K5Mul.GpuKernels.Set),
            (5, 1, 1, KernelCombine.Add) => (K5Add.CpuKernels.Set, K5Add.GpuKernels.Set),
            _ => null,
        };
}
