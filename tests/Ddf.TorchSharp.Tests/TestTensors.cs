using System.Linq;
using static TorchSharp.torch;

namespace Ddf.TorchSharp.Tests;

/// <summary>Seeded random inputs for one DDF case, in float64 (cast down where a test wants float32).</summary>
internal sealed record DdfCase(int B, int C, int H, int W, int K, int Dilation, int Stride, KernelCombine Combine, bool HasChannel, bool HasSpatial)
{
    public long OutHeight => (H - 1) / Stride + 1;
    public long OutWidth => (W - 1) / Stride + 1;

    public (Tensor X, Tensor? Cf, Tensor? Sf) Inputs(int seed = 1)
    {
        var generator = new Generator((ulong)seed);
        var x = randn([B, C, H, W], ScalarType.Float64, generator: generator);
        var cf = HasChannel ? randn([B, C, K, K], ScalarType.Float64, generator: generator) : null;
        var sf = HasSpatial ? randn([B, K * K, OutHeight, OutWidth], ScalarType.Float64, generator: generator) : null;
        return (x, cf, sf);
    }

    public Tensor Op(Tensor x, Tensor? cf, Tensor? sf) => ops.ddf(x, cf, sf, K, Dilation, Stride, Combine);

    public Tensor Reference(Tensor x, Tensor? cf, Tensor? sf) => UnfoldReference.Ddf(x, cf, sf, K, Dilation, Stride, Combine);

    /// <summary>The inputs of this case that are present, in ddf's argument order.</summary>
    public static Tensor[] Present(Tensor x, Tensor? cf, Tensor? sf) =>
        new[] { x, cf, sf }.Where(t => t is not null).ToArray()!;
}
