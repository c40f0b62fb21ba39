using Ddf;

namespace Ddf.IntegrationTests;

[DynamicFilterUp]
public partial class SelfUp2;

[DynamicFilterUp(KernelSize = 5, ScaleFactor = 4, Dilation = 2, Heads = 2, Combine = KernelCombine.Add)]
public partial class SelfUp4;

[DynamicFilterUp(ScaleFactor = 2, Guidance = UpsampleGuidance.Joint)]
public partial class JointUp2;

[DynamicFilterUp(ScaleFactor = 3, Guidance = UpsampleGuidance.Joint, Normalization = FilterNormalization.Sigmoid)]
public partial class JointUp3Sigmoid;
