using Ddf;

namespace Ddf.GpuCheck;

// The specs the check runs; the generator emits their CPU and GPU kernels (no TorchSharp here: kernels only).

/// <summary>The paper's Table 2 setting: k = 3, both branches, multiplied.</summary>
[DynamicFilter] internal partial class K3;

[DynamicFilter(Stride = 2)] internal partial class K3Stride2;

[DynamicFilter(KernelSize = 5, Dilation = 2, Combine = KernelCombine.Add)] internal partial class K5Dilation2Add;

[DynamicFilter(KernelSize = 7)] internal partial class K7;

[DynamicFilter(Branches = FilterBranches.Spatial, Dilation = 2, Stride = 2)] internal partial class SpatialOnly;

[DynamicFilter(Branches = FilterBranches.Channel, KernelSize = 5, Stride = 2, Combine = KernelCombine.Add)] internal partial class ChannelOnly;
