using Ddf;
using Ddf.Runtime;

namespace Ddf.Runtime.Tests;

// The specs whose generated CPU kernels the guard-page sweep runs (no TorchSharp here: the generator emits the kernels
// only). Unrolled rows exist for k = 3 and 5, so those run every dilation and stride 1 to 3 with each weight mode
// (Mul, Add, spatial only, channel only); larger kernels' generated rows are the generic ones, so one spec each checks
// that shell; the two DDF-Up specs check that an upsampler's kernels are the same stride-1 kernels.

[DynamicFilter(KernelSize = 3, Dilation = 1, Stride = 1)] internal partial class K3D1S1Mul;
[DynamicFilter(KernelSize = 3, Dilation = 1, Stride = 1, Combine = KernelCombine.Add)] internal partial class K3D1S1Add;
[DynamicFilter(KernelSize = 3, Dilation = 1, Stride = 1, Branches = FilterBranches.Spatial)] internal partial class K3D1S1Spatial;
[DynamicFilter(KernelSize = 3, Dilation = 1, Stride = 1, Branches = FilterBranches.Channel)] internal partial class K3D1S1Channel;
[DynamicFilter(KernelSize = 3, Dilation = 1, Stride = 2)] internal partial class K3D1S2Mul;
[DynamicFilter(KernelSize = 3, Dilation = 1, Stride = 2, Combine = KernelCombine.Add)] internal partial class K3D1S2Add;
[DynamicFilter(KernelSize = 3, Dilation = 1, Stride = 2, Branches = FilterBranches.Spatial)] internal partial class K3D1S2Spatial;
[DynamicFilter(KernelSize = 3, Dilation = 1, Stride = 2, Branches = FilterBranches.Channel)] internal partial class K3D1S2Channel;
[DynamicFilter(KernelSize = 3, Dilation = 1, Stride = 3)] internal partial class K3D1S3Mul;
[DynamicFilter(KernelSize = 3, Dilation = 1, Stride = 3, Combine = KernelCombine.Add)] internal partial class K3D1S3Add;
[DynamicFilter(KernelSize = 3, Dilation = 1, Stride = 3, Branches = FilterBranches.Spatial)] internal partial class K3D1S3Spatial;
[DynamicFilter(KernelSize = 3, Dilation = 1, Stride = 3, Branches = FilterBranches.Channel)] internal partial class K3D1S3Channel;
[DynamicFilter(KernelSize = 3, Dilation = 2, Stride = 1)] internal partial class K3D2S1Mul;
[DynamicFilter(KernelSize = 3, Dilation = 2, Stride = 1, Combine = KernelCombine.Add)] internal partial class K3D2S1Add;
[DynamicFilter(KernelSize = 3, Dilation = 2, Stride = 1, Branches = FilterBranches.Spatial)] internal partial class K3D2S1Spatial;
[DynamicFilter(KernelSize = 3, Dilation = 2, Stride = 1, Branches = FilterBranches.Channel)] internal partial class K3D2S1Channel;
[DynamicFilter(KernelSize = 3, Dilation = 2, Stride = 2)] internal partial class K3D2S2Mul;
[DynamicFilter(KernelSize = 3, Dilation = 2, Stride = 2, Combine = KernelCombine.Add)] internal partial class K3D2S2Add;
[DynamicFilter(KernelSize = 3, Dilation = 2, Stride = 2, Branches = FilterBranches.Spatial)] internal partial class K3D2S2Spatial;
[DynamicFilter(KernelSize = 3, Dilation = 2, Stride = 2, Branches = FilterBranches.Channel)] internal partial class K3D2S2Channel;
[DynamicFilter(KernelSize = 3, Dilation = 2, Stride = 3)] internal partial class K3D2S3Mul;
[DynamicFilter(KernelSize = 3, Dilation = 2, Stride = 3, Combine = KernelCombine.Add)] internal partial class K3D2S3Add;
[DynamicFilter(KernelSize = 3, Dilation = 2, Stride = 3, Branches = FilterBranches.Spatial)] internal partial class K3D2S3Spatial;
[DynamicFilter(KernelSize = 3, Dilation = 2, Stride = 3, Branches = FilterBranches.Channel)] internal partial class K3D2S3Channel;
[DynamicFilter(KernelSize = 3, Dilation = 3, Stride = 1)] internal partial class K3D3S1Mul;
[DynamicFilter(KernelSize = 3, Dilation = 3, Stride = 1, Combine = KernelCombine.Add)] internal partial class K3D3S1Add;
[DynamicFilter(KernelSize = 3, Dilation = 3, Stride = 1, Branches = FilterBranches.Spatial)] internal partial class K3D3S1Spatial;
[DynamicFilter(KernelSize = 3, Dilation = 3, Stride = 1, Branches = FilterBranches.Channel)] internal partial class K3D3S1Channel;
[DynamicFilter(KernelSize = 3, Dilation = 3, Stride = 2)] internal partial class K3D3S2Mul;
[DynamicFilter(KernelSize = 3, Dilation = 3, Stride = 2, Combine = KernelCombine.Add)] internal partial class K3D3S2Add;
[DynamicFilter(KernelSize = 3, Dilation = 3, Stride = 2, Branches = FilterBranches.Spatial)] internal partial class K3D3S2Spatial;
[DynamicFilter(KernelSize = 3, Dilation = 3, Stride = 2, Branches = FilterBranches.Channel)] internal partial class K3D3S2Channel;
[DynamicFilter(KernelSize = 3, Dilation = 3, Stride = 3)] internal partial class K3D3S3Mul;
[DynamicFilter(KernelSize = 3, Dilation = 3, Stride = 3, Combine = KernelCombine.Add)] internal partial class K3D3S3Add;
[DynamicFilter(KernelSize = 3, Dilation = 3, Stride = 3, Branches = FilterBranches.Spatial)] internal partial class K3D3S3Spatial;
[DynamicFilter(KernelSize = 3, Dilation = 3, Stride = 3, Branches = FilterBranches.Channel)] internal partial class K3D3S3Channel;
[DynamicFilter(KernelSize = 5, Dilation = 1, Stride = 1)] internal partial class K5D1S1Mul;
[DynamicFilter(KernelSize = 5, Dilation = 1, Stride = 1, Combine = KernelCombine.Add)] internal partial class K5D1S1Add;
[DynamicFilter(KernelSize = 5, Dilation = 1, Stride = 1, Branches = FilterBranches.Spatial)] internal partial class K5D1S1Spatial;
[DynamicFilter(KernelSize = 5, Dilation = 1, Stride = 1, Branches = FilterBranches.Channel)] internal partial class K5D1S1Channel;
[DynamicFilter(KernelSize = 5, Dilation = 1, Stride = 2)] internal partial class K5D1S2Mul;
[DynamicFilter(KernelSize = 5, Dilation = 1, Stride = 2, Combine = KernelCombine.Add)] internal partial class K5D1S2Add;
[DynamicFilter(KernelSize = 5, Dilation = 1, Stride = 2, Branches = FilterBranches.Spatial)] internal partial class K5D1S2Spatial;
[DynamicFilter(KernelSize = 5, Dilation = 1, Stride = 2, Branches = FilterBranches.Channel)] internal partial class K5D1S2Channel;
[DynamicFilter(KernelSize = 5, Dilation = 1, Stride = 3)] internal partial class K5D1S3Mul;
[DynamicFilter(KernelSize = 5, Dilation = 1, Stride = 3, Combine = KernelCombine.Add)] internal partial class K5D1S3Add;
[DynamicFilter(KernelSize = 5, Dilation = 1, Stride = 3, Branches = FilterBranches.Spatial)] internal partial class K5D1S3Spatial;
[DynamicFilter(KernelSize = 5, Dilation = 1, Stride = 3, Branches = FilterBranches.Channel)] internal partial class K5D1S3Channel;
[DynamicFilter(KernelSize = 5, Dilation = 2, Stride = 1)] internal partial class K5D2S1Mul;
[DynamicFilter(KernelSize = 5, Dilation = 2, Stride = 1, Combine = KernelCombine.Add)] internal partial class K5D2S1Add;
[DynamicFilter(KernelSize = 5, Dilation = 2, Stride = 1, Branches = FilterBranches.Spatial)] internal partial class K5D2S1Spatial;
[DynamicFilter(KernelSize = 5, Dilation = 2, Stride = 1, Branches = FilterBranches.Channel)] internal partial class K5D2S1Channel;
[DynamicFilter(KernelSize = 5, Dilation = 2, Stride = 2)] internal partial class K5D2S2Mul;
[DynamicFilter(KernelSize = 5, Dilation = 2, Stride = 2, Combine = KernelCombine.Add)] internal partial class K5D2S2Add;
[DynamicFilter(KernelSize = 5, Dilation = 2, Stride = 2, Branches = FilterBranches.Spatial)] internal partial class K5D2S2Spatial;
[DynamicFilter(KernelSize = 5, Dilation = 2, Stride = 2, Branches = FilterBranches.Channel)] internal partial class K5D2S2Channel;
[DynamicFilter(KernelSize = 5, Dilation = 2, Stride = 3)] internal partial class K5D2S3Mul;
[DynamicFilter(KernelSize = 5, Dilation = 2, Stride = 3, Combine = KernelCombine.Add)] internal partial class K5D2S3Add;
[DynamicFilter(KernelSize = 5, Dilation = 2, Stride = 3, Branches = FilterBranches.Spatial)] internal partial class K5D2S3Spatial;
[DynamicFilter(KernelSize = 5, Dilation = 2, Stride = 3, Branches = FilterBranches.Channel)] internal partial class K5D2S3Channel;
[DynamicFilter(KernelSize = 5, Dilation = 3, Stride = 1)] internal partial class K5D3S1Mul;
[DynamicFilter(KernelSize = 5, Dilation = 3, Stride = 1, Combine = KernelCombine.Add)] internal partial class K5D3S1Add;
[DynamicFilter(KernelSize = 5, Dilation = 3, Stride = 1, Branches = FilterBranches.Spatial)] internal partial class K5D3S1Spatial;
[DynamicFilter(KernelSize = 5, Dilation = 3, Stride = 1, Branches = FilterBranches.Channel)] internal partial class K5D3S1Channel;
[DynamicFilter(KernelSize = 5, Dilation = 3, Stride = 2)] internal partial class K5D3S2Mul;
[DynamicFilter(KernelSize = 5, Dilation = 3, Stride = 2, Combine = KernelCombine.Add)] internal partial class K5D3S2Add;
[DynamicFilter(KernelSize = 5, Dilation = 3, Stride = 2, Branches = FilterBranches.Spatial)] internal partial class K5D3S2Spatial;
[DynamicFilter(KernelSize = 5, Dilation = 3, Stride = 2, Branches = FilterBranches.Channel)] internal partial class K5D3S2Channel;
[DynamicFilter(KernelSize = 5, Dilation = 3, Stride = 3)] internal partial class K5D3S3Mul;
[DynamicFilter(KernelSize = 5, Dilation = 3, Stride = 3, Combine = KernelCombine.Add)] internal partial class K5D3S3Add;
[DynamicFilter(KernelSize = 5, Dilation = 3, Stride = 3, Branches = FilterBranches.Spatial)] internal partial class K5D3S3Spatial;
[DynamicFilter(KernelSize = 5, Dilation = 3, Stride = 3, Branches = FilterBranches.Channel)] internal partial class K5D3S3Channel;
[DynamicFilter(KernelSize = 7)] internal partial class K7D1S1Mul;
[DynamicFilter(KernelSize = 9, Dilation = 2, Stride = 3, Combine = KernelCombine.Add)] internal partial class K9D2S3Add;
[DynamicFilterUp(ScaleFactor = 2)] internal partial class Up2K3;
[DynamicFilterUp(ScaleFactor = 4, KernelSize = 5, Dilation = 2, Heads = 2, Combine = KernelCombine.Add)] internal partial class Up4K5D2Add;

/// <summary>One generated kernel set and the spec it was generated for.</summary>
internal sealed record GeneratedSpec(string Name, int KernelSize, int Dilation, int Stride, Weights Weights, DdfCpuKernelSet Kernels);

/// <summary>Every generated kernel set of this assembly.</summary>
internal static class GeneratedSpecs
{
    public static readonly GeneratedSpec[] All =
    [
        new("K3D1S1Mul", 3, 1, 1, Weights.Mul, K3D1S1Mul.CpuKernels.Set),
        new("K3D1S1Add", 3, 1, 1, Weights.Add, K3D1S1Add.CpuKernels.Set),
        new("K3D1S1Spatial", 3, 1, 1, Weights.Spatial, K3D1S1Spatial.CpuKernels.Set),
        new("K3D1S1Channel", 3, 1, 1, Weights.Channel, K3D1S1Channel.CpuKernels.Set),
        new("K3D1S2Mul", 3, 1, 2, Weights.Mul, K3D1S2Mul.CpuKernels.Set),
        new("K3D1S2Add", 3, 1, 2, Weights.Add, K3D1S2Add.CpuKernels.Set),
        new("K3D1S2Spatial", 3, 1, 2, Weights.Spatial, K3D1S2Spatial.CpuKernels.Set),
        new("K3D1S2Channel", 3, 1, 2, Weights.Channel, K3D1S2Channel.CpuKernels.Set),
        new("K3D1S3Mul", 3, 1, 3, Weights.Mul, K3D1S3Mul.CpuKernels.Set),
        new("K3D1S3Add", 3, 1, 3, Weights.Add, K3D1S3Add.CpuKernels.Set),
        new("K3D1S3Spatial", 3, 1, 3, Weights.Spatial, K3D1S3Spatial.CpuKernels.Set),
        new("K3D1S3Channel", 3, 1, 3, Weights.Channel, K3D1S3Channel.CpuKernels.Set),
        new("K3D2S1Mul", 3, 2, 1, Weights.Mul, K3D2S1Mul.CpuKernels.Set),
        new("K3D2S1Add", 3, 2, 1, Weights.Add, K3D2S1Add.CpuKernels.Set),
        new("K3D2S1Spatial", 3, 2, 1, Weights.Spatial, K3D2S1Spatial.CpuKernels.Set),
        new("K3D2S1Channel", 3, 2, 1, Weights.Channel, K3D2S1Channel.CpuKernels.Set),
        new("K3D2S2Mul", 3, 2, 2, Weights.Mul, K3D2S2Mul.CpuKernels.Set),
        new("K3D2S2Add", 3, 2, 2, Weights.Add, K3D2S2Add.CpuKernels.Set),
        new("K3D2S2Spatial", 3, 2, 2, Weights.Spatial, K3D2S2Spatial.CpuKernels.Set),
        new("K3D2S2Channel", 3, 2, 2, Weights.Channel, K3D2S2Channel.CpuKernels.Set),
        new("K3D2S3Mul", 3, 2, 3, Weights.Mul, K3D2S3Mul.CpuKernels.Set),
        new("K3D2S3Add", 3, 2, 3, Weights.Add, K3D2S3Add.CpuKernels.Set),
        new("K3D2S3Spatial", 3, 2, 3, Weights.Spatial, K3D2S3Spatial.CpuKernels.Set),
        new("K3D2S3Channel", 3, 2, 3, Weights.Channel, K3D2S3Channel.CpuKernels.Set),
        new("K3D3S1Mul", 3, 3, 1, Weights.Mul, K3D3S1Mul.CpuKernels.Set),
        new("K3D3S1Add", 3, 3, 1, Weights.Add, K3D3S1Add.CpuKernels.Set),
        new("K3D3S1Spatial", 3, 3, 1, Weights.Spatial, K3D3S1Spatial.CpuKernels.Set),
        new("K3D3S1Channel", 3, 3, 1, Weights.Channel, K3D3S1Channel.CpuKernels.Set),
        new("K3D3S2Mul", 3, 3, 2, Weights.Mul, K3D3S2Mul.CpuKernels.Set),
        new("K3D3S2Add", 3, 3, 2, Weights.Add, K3D3S2Add.CpuKernels.Set),
        new("K3D3S2Spatial", 3, 3, 2, Weights.Spatial, K3D3S2Spatial.CpuKernels.Set),
        new("K3D3S2Channel", 3, 3, 2, Weights.Channel, K3D3S2Channel.CpuKernels.Set),
        new("K3D3S3Mul", 3, 3, 3, Weights.Mul, K3D3S3Mul.CpuKernels.Set),
        new("K3D3S3Add", 3, 3, 3, Weights.Add, K3D3S3Add.CpuKernels.Set),
        new("K3D3S3Spatial", 3, 3, 3, Weights.Spatial, K3D3S3Spatial.CpuKernels.Set),
        new("K3D3S3Channel", 3, 3, 3, Weights.Channel, K3D3S3Channel.CpuKernels.Set),
        new("K5D1S1Mul", 5, 1, 1, Weights.Mul, K5D1S1Mul.CpuKernels.Set),
        new("K5D1S1Add", 5, 1, 1, Weights.Add, K5D1S1Add.CpuKernels.Set),
        new("K5D1S1Spatial", 5, 1, 1, Weights.Spatial, K5D1S1Spatial.CpuKernels.Set),
        new("K5D1S1Channel", 5, 1, 1, Weights.Channel, K5D1S1Channel.CpuKernels.Set),
        new("K5D1S2Mul", 5, 1, 2, Weights.Mul, K5D1S2Mul.CpuKernels.Set),
        new("K5D1S2Add", 5, 1, 2, Weights.Add, K5D1S2Add.CpuKernels.Set),
        new("K5D1S2Spatial", 5, 1, 2, Weights.Spatial, K5D1S2Spatial.CpuKernels.Set),
        new("K5D1S2Channel", 5, 1, 2, Weights.Channel, K5D1S2Channel.CpuKernels.Set),
        new("K5D1S3Mul", 5, 1, 3, Weights.Mul, K5D1S3Mul.CpuKernels.Set),
        new("K5D1S3Add", 5, 1, 3, Weights.Add, K5D1S3Add.CpuKernels.Set),
        new("K5D1S3Spatial", 5, 1, 3, Weights.Spatial, K5D1S3Spatial.CpuKernels.Set),
        new("K5D1S3Channel", 5, 1, 3, Weights.Channel, K5D1S3Channel.CpuKernels.Set),
        new("K5D2S1Mul", 5, 2, 1, Weights.Mul, K5D2S1Mul.CpuKernels.Set),
        new("K5D2S1Add", 5, 2, 1, Weights.Add, K5D2S1Add.CpuKernels.Set),
        new("K5D2S1Spatial", 5, 2, 1, Weights.Spatial, K5D2S1Spatial.CpuKernels.Set),
        new("K5D2S1Channel", 5, 2, 1, Weights.Channel, K5D2S1Channel.CpuKernels.Set),
        new("K5D2S2Mul", 5, 2, 2, Weights.Mul, K5D2S2Mul.CpuKernels.Set),
        new("K5D2S2Add", 5, 2, 2, Weights.Add, K5D2S2Add.CpuKernels.Set),
        new("K5D2S2Spatial", 5, 2, 2, Weights.Spatial, K5D2S2Spatial.CpuKernels.Set),
        new("K5D2S2Channel", 5, 2, 2, Weights.Channel, K5D2S2Channel.CpuKernels.Set),
        new("K5D2S3Mul", 5, 2, 3, Weights.Mul, K5D2S3Mul.CpuKernels.Set),
        new("K5D2S3Add", 5, 2, 3, Weights.Add, K5D2S3Add.CpuKernels.Set),
        new("K5D2S3Spatial", 5, 2, 3, Weights.Spatial, K5D2S3Spatial.CpuKernels.Set),
        new("K5D2S3Channel", 5, 2, 3, Weights.Channel, K5D2S3Channel.CpuKernels.Set),
        new("K5D3S1Mul", 5, 3, 1, Weights.Mul, K5D3S1Mul.CpuKernels.Set),
        new("K5D3S1Add", 5, 3, 1, Weights.Add, K5D3S1Add.CpuKernels.Set),
        new("K5D3S1Spatial", 5, 3, 1, Weights.Spatial, K5D3S1Spatial.CpuKernels.Set),
        new("K5D3S1Channel", 5, 3, 1, Weights.Channel, K5D3S1Channel.CpuKernels.Set),
        new("K5D3S2Mul", 5, 3, 2, Weights.Mul, K5D3S2Mul.CpuKernels.Set),
        new("K5D3S2Add", 5, 3, 2, Weights.Add, K5D3S2Add.CpuKernels.Set),
        new("K5D3S2Spatial", 5, 3, 2, Weights.Spatial, K5D3S2Spatial.CpuKernels.Set),
        new("K5D3S2Channel", 5, 3, 2, Weights.Channel, K5D3S2Channel.CpuKernels.Set),
        new("K5D3S3Mul", 5, 3, 3, Weights.Mul, K5D3S3Mul.CpuKernels.Set),
        new("K5D3S3Add", 5, 3, 3, Weights.Add, K5D3S3Add.CpuKernels.Set),
        new("K5D3S3Spatial", 5, 3, 3, Weights.Spatial, K5D3S3Spatial.CpuKernels.Set),
        new("K5D3S3Channel", 5, 3, 3, Weights.Channel, K5D3S3Channel.CpuKernels.Set),
        new("K7D1S1Mul", 7, 1, 1, Weights.Mul, K7D1S1Mul.CpuKernels.Set),
        new("K9D2S3Add", 9, 2, 3, Weights.Add, K9D2S3Add.CpuKernels.Set),
        new("Up2K3", 3, 1, 1, Weights.Mul, Up2K3.CpuKernels.Set),
        new("Up4K5D2Add", 5, 2, 1, Weights.Add, Up4K5D2Add.CpuKernels.Set),
    ];
}
