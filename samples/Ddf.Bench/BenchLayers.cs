namespace Ddf.Bench;

/// <summary>The paper's default layer (k = 3, r = 0.2, filter normalisation, Mul), generated at compile time.</summary>
[DynamicFilter(KernelSize = 3)]
internal partial class Ddf3x3;
