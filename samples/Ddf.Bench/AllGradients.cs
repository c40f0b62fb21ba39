using System;
using static TorchSharp.torch;

namespace Ddf.Bench;

/// <summary>
/// What the benchmarks time as "forward+backward": the gradients of every input, taken with autograd.grad.
/// backward() into leaf tensors would also copy a custom function's gradients into .grad (TorchSharp keeps a
/// reference to them); the table shows that cost in a row of its own.
/// </summary>
internal static class AllGradients
{
    /// <summary>Runs <paramref name="f"/> on fresh leaves of <paramref name="inputs"/> and takes their gradients for <paramref name="gradOutput"/>.</summary>
    public static void Take(Func<Tensor[], Tensor> f, Tensor gradOutput, params Tensor[] inputs)
    {
        using var scope = NewDisposeScope();
        var leaves = Array.ConvertAll(inputs, t => t.detach().requires_grad_(true));
        autograd.grad([f(leaves)], leaves, [gradOutput]);
    }
}
