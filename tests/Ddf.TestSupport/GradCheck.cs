using System;
using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.TestSupport;

/// <summary>
/// A float64 finite-difference gradient check (TorchSharp has no gradcheck): the analytic gradient of a
/// scalar loss is compared, element by element, with the central difference (L(x + eps) - L(x - eps)) / (2 eps).
/// </summary>
public static class GradCheck
{
    /// <summary>
    /// Checks d<paramref name="loss"/>/d<paramref name="leaves"/>: the leaves must be float64 tensors
    /// that require grad and that <paramref name="loss"/> reads each time it runs (module parameters, or
    /// tensors it closes over); they are perturbed in place and restored.
    /// </summary>
    public static void Check(Func<Tensor> loss, Tensor[] leaves, double eps = 1e-6, double atol = 1e-6, double rtol = 1e-5, string[]? names = null)
    {
        Assert.All(leaves, t => Assert.Equal(ScalarType.Float64, t.dtype));
        foreach (var leaf in leaves)
            leaf.grad?.zero_();
        loss().backward();
        var analytic = leaves.Select((t, i) => (t.grad ?? throw new InvalidOperationException($"{Name(names, i)} received no gradient")).detach().clone().contiguous().data<double>().ToArray()).ToArray();

        using var noGrad = no_grad();
        for (int i = 0; i < leaves.Length; i++)
        {
            var values = leaves[i].detach().view(-1);
            for (long j = 0; j < values.numel(); j++)
            {
                double original = values[j].item<double>();
                values[j] = original + eps;
                double plus = loss().item<double>();
                values[j] = original - eps;
                double minus = loss().item<double>();
                values[j] = original;
                double numeric = (plus - minus) / (2 * eps);
                double got = analytic[i][j];
                if (Math.Abs(got - numeric) > atol + rtol * Math.Abs(numeric))
                    Assert.Fail($"gradient of {Name(names, i)} at flat index {j}: analytic {got:R}, finite difference {numeric:R}");
            }
        }
    }

    /// <summary>
    /// Checks the gradients of sum(f(inputs) * probe) for a fixed random probe with respect to every input.
    /// </summary>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-6, double atol = 1e-6, double rtol = 1e-5)
    {
        var leaves = inputs.Select(t => t.detach().clone().requires_grad_(true)).ToArray();
        Tensor? probe = null;
        Check(() =>
        {
            var output = f(leaves);
            probe ??= randn(output.shape, output.dtype, generator: new Generator(7));
            return (output * probe).sum();
        }, leaves, eps, atol, rtol);
    }

    private static string Name(string[]? names, int i) => names is null ? $"input {i}" : names[i];
}
