namespace Ddf.Models;

// The DDF layers of DDF-ResNet (ddf-spec.md section 4): k = 3, one head, squeeze ratio 0.2, filter
// normalisation; Mul or Add; stride 1 or 2 (the first block of stages 2-4).
[DynamicFilter] internal partial class ResNetDdf;
[DynamicFilter(Stride = 2)] internal partial class ResNetDdfStride2;
[DynamicFilter(Combine = KernelCombine.Add)] internal partial class ResNetDdfAdd;
[DynamicFilter(Stride = 2, Combine = KernelCombine.Add)] internal partial class ResNetDdfAddStride2;

// The upsamplers of the FPN neck and DDF-Up-Net: x2 DDF-Up, self-guided and guided by other features.
[DynamicFilterUp(ScaleFactor = 2)] internal partial class FpnUp2;
[DynamicFilterUp(ScaleFactor = 2, Guidance = UpsampleGuidance.Joint)] internal partial class JointUp2;
