using Ddf;

namespace Ddf.IntegrationTests;

[DynamicFilter]
public partial class DefaultDdf;

[DynamicFilter(KernelSize = 5, Dilation = 2, Combine = KernelCombine.Add)]
public partial class Dilated5Add;

[DynamicFilter(KernelSize = 3, Stride = 2)]
public partial class Strided3;

[DynamicFilter(KernelSize = 7, Heads = 4, SqueezeRatio = 0.3)]
public partial class Heads4k7;

[DynamicFilter(Branches = FilterBranches.Spatial, Normalization = FilterNormalization.Sigmoid)]
public partial class SpatialOnlySigmoid;

[DynamicFilter(Branches = FilterBranches.Channel, Normalization = FilterNormalization.None, Stride = 2, KernelSize = 5)]
public partial class ChannelOnlyStrided;

[DynamicFilter(Normalization = FilterNormalization.Batch)]
public partial class BatchNormalised;

public static partial class Blocks
{
    [DynamicFilter(KernelSize = 3, Dilation = 3, Combine = KernelCombine.Add)]
    public partial class NestedDilated3;
}

/// <summary>The settings of the PyTorch fixture ddfpack_k5_add_stride2.</summary>
[DynamicFilter(KernelSize = 5, Stride = 2, SqueezeRatio = 0.3, Combine = KernelCombine.Add)]
public partial class InteropK5AddStrided;
