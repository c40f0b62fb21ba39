using Ddf;

namespace Ddf.IntegrationTests;

// Specs added for the GPU kernel tests, beside those of Layers.cs and Table3Variants.cs.

[DynamicFilter(KernelSize = 7, Dilation = 2, Stride = 2, Combine = KernelCombine.Add)]
public partial class GpuK7Dilated2Strided2Add;

[DynamicFilter(KernelSize = 3, Dilation = 2, Stride = 2, Branches = FilterBranches.Spatial)]
public partial class GpuSpatialDilated2Strided2;

[DynamicFilter(KernelSize = 3, Stride = 2, Branches = FilterBranches.Channel, Combine = KernelCombine.Add)]
public partial class GpuChannelStrided2;

/// <summary>k = 9: beyond the unrolled GPU kernels, so the layer runs the runtime's generic GPU kernels.</summary>
[DynamicFilter(KernelSize = 9)]
public partial class GpuK9;

/// <summary>Mul with dilation 2 at stride 1: padded taps of border pixels read the nearest inside tap two pixels away.</summary>
[DynamicFilter(KernelSize = 5, Dilation = 2)]
public partial class GpuK5Dilated2;
