namespace Ddf.Onnx.Tests;

// The specs of tests/Ddf.Compiler.Tests' snapshot cases (SnapshotTests.Specs), as layers to export.
[DynamicFilter] internal partial class Defaults;
[DynamicFilter(KernelSize = 5, Dilation = 2)] internal partial class Kernel5Dilation2;
[DynamicFilter(Stride = 2)] internal partial class Stride2;
[DynamicFilter(Combine = KernelCombine.Add)] internal partial class AddCombine;
[DynamicFilter(Branches = FilterBranches.Spatial)] internal partial class SpatialOnly;
[DynamicFilter(Branches = FilterBranches.Channel)] internal partial class ChannelOnly;
[DynamicFilter(Heads = 4, SqueezeRatio = 0.3)] internal partial class Heads4;
[DynamicFilter(Normalization = FilterNormalization.Batch)] internal partial class BatchNormalisation;
[DynamicFilter(Normalization = FilterNormalization.Sigmoid)] internal partial class SigmoidNormalisation;
[DynamicFilter(Normalization = FilterNormalization.None)] internal partial class NoNormalisation;
[DynamicFilter(KernelSize = 7)] internal partial class Kernel7;
[DynamicFilter(KernelSize = 3, Stride = 3, Combine = KernelCombine.Add)] internal partial class Stride3Add;
[DynamicFilter(Branches = FilterBranches.Channel, Stride = 2, Combine = KernelCombine.Add)] internal partial class ChannelOnlyStride2;
[DynamicFilter(KernelSize = 9)] internal partial class Kernel9;
[DynamicFilter(KernelSize = 5)] internal partial class Kernel5;

// Beyond the snapshots: heads with batch normalisation and stride, spatial-only with Add and stride.
[DynamicFilter(Heads = 2, Stride = 2, Normalization = FilterNormalization.Batch)] internal partial class Heads2BatchStride2;
[DynamicFilter(Branches = FilterBranches.Spatial, Stride = 2, Dilation = 3)] internal partial class SpatialStride2Dilation3;

[DynamicFilterUp] internal partial class UpSelf2;
[DynamicFilterUp(ScaleFactor = 4, KernelSize = 5, Heads = 2)] internal partial class UpSelf4;
[DynamicFilterUp(Guidance = UpsampleGuidance.Joint)] internal partial class UpJoint2;
[DynamicFilterUp(ScaleFactor = 4, Guidance = UpsampleGuidance.Joint, Normalization = FilterNormalization.None)] internal partial class UpJoint4;
[DynamicFilterUp(ScaleFactor = 2, Normalization = FilterNormalization.Batch, Combine = KernelCombine.Add)] internal partial class UpSelf2BatchAdd;
