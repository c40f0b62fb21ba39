namespace Ddf.Cli;

/// <summary>The paper's default DDF layer (k = 3, squeeze ratio 0.2, filter normalisation, Mul), for <c>ddf soak</c>.</summary>
[DynamicFilter(KernelSize = 3)]
internal partial class Ddf3;
