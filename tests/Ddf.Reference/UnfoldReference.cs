using static TorchSharp.torch;

namespace Ddf.Reference;

/// <summary>
/// An independent DDF built only from TorchSharp ops (unfold + broadcasting), differentiable by
/// TorchSharp's own autograd. Written from ddf-spec.md, sharing no code with the kernels.
/// </summary>
public static class UnfoldReference
{
    public static Tensor Ddf(Tensor x, Tensor? cf, Tensor? sf, long k, long dilation = 1, long stride = 1, KernelCombine combine = KernelCombine.Mul)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        long pad = dilation * (k - 1) / 2;
        long ho = (h - 1) / stride + 1, wo = (w - 1) / stride + 1;
        // (B, C*k*k, Ho*Wo), channel-major then tap: reshape to (B, C, k*k, Ho, Wo).
        var columns = nn.functional.unfold(x, k, dilation, pad, stride).reshape(b, c, k * k, ho, wo);
        Tensor weight;
        var channel = cf?.reshape(b, c, k * k, 1, 1);
        var spatial = sf?.reshape(b, 1, k * k, ho, wo);
        if (channel is not null && spatial is not null)
            weight = combine == KernelCombine.Mul ? channel * spatial : channel + spatial;
        else
            weight = channel ?? spatial!;
        return (columns * weight).sum(2);
    }
}
